#!/bin/sh
# rk_child_probe.sh - what a RootlessKit child sees, run as the command of Debian's rootlesskit
# and of netnest's, to compare (tests/rootlesskit.bats).  The probe of /work/notes, minus what
# differs by design or by chance: ps lines (argv of the child), the dot-files of the state dir
# (.bp.sock and .bp-ready.pipe there, .engine_pid here); rk_probe_mask (in the .bats file)
# masks addresses, PIDs, .roNNNN, rootlesskitNNNN, times, mount IDs and ns inodes.
for c in 'id' 'ip -j a' 'ip -d link show tap0' 'ip route' 'ip -6 route' 'env | sort' \
  'cat /proc/self/uid_map /proc/self/gid_map' 'cat /proc/self/setgroups' \
  'cd $ROOTLESSKIT_STATE_DIR && stat -c "%A %U %G %n" *' \
  'cat $ROOTLESSKIT_STATE_DIR/child_pid; echo' 'echo "my pid $$, ppid $PPID"' \
  'ls -la /etc/resolv.conf /etc/hosts' 'cat /etc/resolv.conf' 'cat /etc/hosts' \
  'stat -f -c "%T" /etc /run' 'ls -la /etc | head -8' 'ls -la /etc/ssl /etc/passwd /etc/mtab' \
  'ls -la /run | head -8' 'mount | head -60' 'cat /proc/self/mountinfo' \
  'grep Cap /proc/self/status' 'grep -E "NoNewPrivs|Seccomp:" /proc/self/status' \
  'ls -l /proc/self/ns/ | awk "{print \$9, \$11}"' 'cat /proc/sys/net/ipv4/ip_forward' \
  'sysctl net.ipv4.ip_unprivileged_port_start net.ipv4.ping_group_range' \
  'ls /sys/class/net' 'ls /sys/fs/cgroup' 'cat /proc/self/cgroup' 'ulimit -n' 'umask' 'pwd' \
  'ls -ld $ROOTLESSKIT_STATE_DIR'; do
  echo "### \$ $c"; sh -c "$c" 2>&1; echo
done
