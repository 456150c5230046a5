#!/usr/bin/env bash
# Slurm clusters on this machine, for trawl's Slurm tests (as root).
#   scripts/slurm-cluster.sh up     install munge, slurmctld, slurmd; write
#                                   /etc/slurm/slurm.conf for this machine; start
#                                   the daemons; wait until the node is idle
#   scripts/slurm-cluster.sh up --nodes N [--cpus-per-node C]
#                                   a second cluster of N nodes, each a slurmd in
#                                   its own network and UTS namespace (tn1..tnN)
#                                   on a bridge of its own; clients use
#                                   SLURM_CONF=/etc/slurm-trawl-nodes/slurm.conf
#   scripts/slurm-cluster.sh kill-node tnK   SIGKILL every process of node tnK
#   scripts/slurm-cluster.sh down [--nodes N]  stop both clusters (with --nodes,
#                                   the many-node one only); remove the namespaces,
#                                   links and bridge the many-node one made
#   scripts/slurm-cluster.sh status [--nodes N]  exit 0 when the (N-node) cluster is usable
set -euo pipefail

conf=/etc/slurm/slurm.conf
. "$(dirname "${BASH_SOURCE[0]}")/slurm-nodes.sh"

usable() {
  command -v sinfo >/dev/null 2>&1 && sinfo -h -N -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'
}

# Slurm 24.05+ (Debian 13 ships 24.11) reads cgroup.conf in every step and
# would probe the cgroup tree, which containers and chroots may not let it
# write; these clusters track processes without cgroups (proctrack/linuxproc,
# task/none), so they say so. 22.05 (Debian 12) knows no "disabled".
write_cgroup_conf() {
  local version
  version=$(slurmd -V 2>/dev/null | awk '{print $2}')
  if [ "$(printf '%s\n' "$version" 24.05 | sort -V | head -n1)" = 24.05 ]; then
    echo "CgroupPlugin=disabled" >"$1/cgroup.conf"
  else
    rm -f "$1/cgroup.conf"
  fi
}

# What both clusters' slurm.conf say alike: munge, no cgroups, root daemons,
# a scheduler that starts jobs within a second.
common_conf() {
  cat <<CONF
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SlurmUser=root
SlurmdUser=root
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
MaxArraySize=1001
KillWait=5
MinJobAge=300
InactiveLimit=0
SlurmctldTimeout=30
CONF
}

install_slurm() {
  [ "$(id -u)" -eq 0 ] || { echo "slurm-cluster: run as root" >&2; exit 1; }
  local missing=()
  for p in munge slurmctld slurmd slurm-client iproute2; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

start_munge() {
  if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  mkdir -p /run/munge /var/lib/munge /var/log/munge
  chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
  chmod 0400 /etc/munge/munge.key
  pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged --force
}

up() {
  install_slurm
  if usable; then echo "slurm-cluster: already up"; return 0; fi
  local host cpus memory
  host=$(hostname)
  cpus=$(nproc)
  memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
  mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge /var/lib/munge /var/log/munge
  cat > "$conf" <<CONF
# Written by trawl's scripts/slurm-cluster.sh: one node, for tests.
ClusterName=trawl-test
SlurmctldHost=localhost
$(common_conf)
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmdTimeout=30
NodeName=$host NodeHostname=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF
  write_cgroup_conf /etc/slurm
  start_munge
  [ -f /run/slurmctld.pid ] && kill -0 "$(cat /run/slurmctld.pid)" 2>/dev/null || /usr/sbin/slurmctld -c
  [ -f /run/slurmd.pid ] && kill -0 "$(cat /run/slurmd.pid)" 2>/dev/null || /usr/sbin/slurmd -c
  for _ in $(seq 1 60); do
    if usable; then
      scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true
      echo "slurm-cluster: up ($host, $cpus CPUs)"
      return 0
    fi
    scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true
    sleep 1
  done
  echo "slurm-cluster: the node did not become idle; see /var/log/slurm/*.log" >&2
  sinfo >&2 || true
  return 1
}

down() {
  nodes_down
  pkill -x slurmd 2>/dev/null || true
  pkill -x slurmctld 2>/dev/null || true
  pkill -x munged 2>/dev/null || true
  # Gone, ports released, before anything starts another cluster (test.sh's
  # Debian 13 root starts one on the same ports right after).
  for _ in $(seq 1 40); do
    pgrep -x slurmd >/dev/null || pgrep -x slurmctld >/dev/null || pgrep -x munged >/dev/null || break
    sleep 0.25
  done
  echo "slurm-cluster: down"
}

usage() { sed -n '2,14p' "$0"; exit 2; }

command=${1:-}
[ $# -gt 0 ] && shift
nodes=0
cpus_per_node=8
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes=${2:?--nodes needs a count}; shift 2 ;;
    --cpus-per-node) cpus_per_node=${2:?--cpus-per-node needs a count}; shift 2 ;;
    *) [ "$command" = kill-node ] && [ -z "${node:-}" ] && { node=$1; shift; continue; }; usage ;;
  esac
done
case "$command" in
  up) if [ "$nodes" -gt 0 ]; then install_slurm && start_munge && nodes_up "$nodes" "$cpus_per_node"; else up; fi ;;
  down) if [ "$nodes" -gt 0 ]; then nodes_down; echo "slurm-cluster: the $nodes-node cluster is down"; else down; fi ;;
  status) if [ "$nodes" -gt 0 ]; then nodes_usable "$nodes"; else usable; fi ;;
  kill-node) nodes_kill "${node:?kill-node needs a node name (tn1, tn2, ...)}" ;;
  *) usage ;;
esac
