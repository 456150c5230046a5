# Sourced by scripts/slurm-cluster.sh: a Slurm cluster of N nodes on this one
# machine, for trawl's many-node tests (as root). Each node is a slurmd in its
# own network namespace (named after the node: tn1, tn2, ...) and UTS
# namespace (its own host name), reached over a bridge this script makes, with
# one address per node on a subnet it checks is unused. All nodes share this
# machine's file system, as cluster nodes share a parallel file system.
#
# It is a second cluster beside the one-node one: its own slurm.conf
# ($nodes_conf; clients find it through SLURM_CONF), ports, spool and state,
# so the two run side by side. `nodes_env` prints the SLURM_CONF line.

nodes_dir=/etc/slurm-trawl-nodes
nodes_conf=$nodes_dir/slurm.conf
nodes_bridge=trawlbr0
nodes_subnet=10.213.7   # .1: slurmctld on the bridge; .11, .12, ...: the nodes
nodes_ctl_port=6917
nodes_slurmd_port=6918

node_name() { echo "tn$1"; }
node_addr() { echo "$nodes_subnet.$((10 + $1))"; }

nodes_usable() {
  local want=$1
  [ -f "$nodes_conf" ] || return 1
  [ "$(SLURM_CONF=$nodes_conf sinfo -h -N -o '%N %t' 2>/dev/null | grep -cE ' (idle|mix|alloc)')" -ge "$want" ]
}

nodes_network_up() {
  local n=$1 i name
  if ! ip link show "$nodes_bridge" >/dev/null 2>&1; then
    if ip -4 addr | grep -q " $nodes_subnet\."; then
      echo "slurm-cluster: $nodes_subnet.0/24 is in use on this machine; cannot make the test bridge" >&2
      return 1
    fi
    ip link add "$nodes_bridge" type bridge
    ip addr add "$nodes_subnet.1/24" dev "$nodes_bridge"
    ip link set "$nodes_bridge" up
  fi
  for i in $(seq 1 "$n"); do
    name=$(node_name "$i")
    if [ -e "/run/netns/$name" ]; then
      ip link set "$name-h" up  # back from kill-node
      continue
    fi
    ip netns add "$name"
    ip link del "$name-h" 2>/dev/null || true  # left by a cluster whose namespace is gone
    ip link add "$name-h" type veth peer name eth0 netns "$name"
    ip link set "$name-h" master "$nodes_bridge" up
    # nsenter, not `ip -n`: that remounts / as a slave, which fails in a
    # chroot (the Debian 13 test root) where / is no mount point.
    nsenter --net="/run/netns/$name" ip addr add "$(node_addr "$i")/24" dev eth0
    nsenter --net="/run/netns/$name" ip link set eth0 up
    nsenter --net="/run/netns/$name" ip link set lo up
    # Each node resolves every node's name, and its own, as a cluster's nodes
    # do (bound over /etc/hosts in the node's mount namespace).
    mkdir -p "/etc/netns/$name"
    {
      echo "127.0.0.1 localhost"
      for j in $(seq 1 "$n"); do echo "$(node_addr "$j") $(node_name "$j")"; done
    } >"/etc/netns/$name/hosts"
  done
}

nodes_write_conf() {
  local n=$1 cpus=$2 list
  list="$(node_name 1)"
  [ "$n" -gt 1 ] && list="tn[1-$n]"
  mkdir -p "$nodes_dir" /var/spool/slurmctld-trawl-nodes /var/log/slurm
  for i in $(seq 1 "$n"); do mkdir -p "/var/spool/slurmd-trawl-nodes/$(node_name "$i")"; done
  cat >"$nodes_conf" <<CONF
# Written by trawl's scripts/slurm-cluster.sh up --nodes $n: $n nodes in network namespaces, for tests.
ClusterName=trawl-nodes
SlurmctldHost=localhost($nodes_subnet.1)
SlurmctldPort=$nodes_ctl_port
SlurmdPort=$nodes_slurmd_port
$(common_conf)
SlurmdParameters=config_overrides
StateSaveLocation=/var/spool/slurmctld-trawl-nodes
SlurmdSpoolDir=/var/spool/slurmd-trawl-nodes/%n
# Each node its own scratch (PMIx makes its per-step folders there), as real nodes have.
TmpFS=/var/spool/slurmd-trawl-nodes/%n
SlurmctldPidFile=/run/slurmctld-trawl-nodes.pid
SlurmdPidFile=/run/slurmd-trawl-nodes-%n.pid
SlurmctldLogFile=/var/log/slurm/slurmctld-trawl-nodes.log
SlurmdLogFile=/var/log/slurm/slurmd-%n.log
SlurmdTimeout=10
NodeName=DEFAULT CPUs=$cpus RealMemory=2000 State=UNKNOWN
CONF
  for i in $(seq 1 "$n"); do
    echo "NodeName=$(node_name "$i") NodeHostname=$(node_name "$i") NodeAddr=$(node_addr "$i")" >>"$nodes_conf"
  done
  echo "PartitionName=nodes Nodes=$list Default=YES MaxTime=INFINITE State=UP" >>"$nodes_conf"
  write_cgroup_conf "$nodes_dir"
}

# Starts node i's slurmd inside its namespaces, unless it runs already: its
# network namespace (nsenter, not `ip netns exec`, which would remount /sys
# without this machine's cgroup tree that slurmd reads), its own host name
# and a mount namespace in which /etc/hosts names every node.
nodes_start_slurmd() {
  local name
  name=$(node_name "$1")
  ip netns pids "$name" 2>/dev/null | xargs -r ps -o comm= -p 2>/dev/null | grep -qx slurmd && return 0
  # Its mounts private first, so its /etc/hosts stays its own; in a chroot
  # (the Debian 13 test root, already private) / is no mount point and that
  # step does not apply.
  nsenter --net="/run/netns/$name" unshare --uts --mount --propagation unchanged \
    sh -c "{ mount --make-rprivate / 2>/dev/null || true; } && hostname $name &&
           mount --bind /etc/netns/$name/hosts /etc/hosts && exec /usr/sbin/slurmd -f $nodes_conf"
}

nodes_up() {
  local n=$1 cpus=$2 i
  [ "$n" -ge 1 ] || { echo "slurm-cluster: --nodes needs a count" >&2; return 2; }
  nodes_network_up "$n"
  if ! nodes_usable "$n"; then
    nodes_write_conf "$n" "$cpus"
    [ -f /run/slurmctld-trawl-nodes.pid ] && kill -0 "$(cat /run/slurmctld-trawl-nodes.pid)" 2>/dev/null ||
      /usr/sbin/slurmctld -c -f "$nodes_conf"
  fi
  for i in $(seq 1 "$n"); do nodes_start_slurmd "$i"; done
  for _ in $(seq 1 60); do
    SLURM_CONF=$nodes_conf scontrol update nodename="tn[1-$n]" state=resume >/dev/null 2>&1 || true
    if nodes_usable "$n"; then
      echo "slurm-cluster: up, $n nodes (tn1-tn$n on $nodes_bridge, $cpus CPUs each); clients use SLURM_CONF=$nodes_conf"
      return 0
    fi
    sleep 1
  done
  echo "slurm-cluster: the nodes did not become idle; see /var/log/slurm/slurm*-t*.log" >&2
  SLURM_CONF=$nodes_conf sinfo -N >&2 || true
  return 1
}

# SIGKILLs every process of a node (its slurmd and all its job steps), as a
# node that loses power: its link goes down first and stays down, so no peer
# hears a goodbye (no FIN, no RST) until `up --nodes N` brings it back.
nodes_kill() {
  local name=$1
  [ -e "/run/netns/$name" ] || { echo "slurm-cluster: no node $name" >&2; return 2; }
  ip link set "$name-h" down
  for _ in 1 2 3; do ip netns pids "$name" | xargs -r kill -9 2>/dev/null; sleep 0.2; done
}

nodes_down() {
  local name
  for ns in /run/netns/tn*; do
    [ -e "$ns" ] || continue
    name=$(basename "$ns")
    ip netns pids "$name" | xargs -r kill -9 2>/dev/null || true
    ip link del "$name-h" 2>/dev/null || true
    ip netns del "$name" 2>/dev/null || true
    rm -rf "/etc/netns/$name"
  done
  [ -f /run/slurmctld-trawl-nodes.pid ] && kill "$(cat /run/slurmctld-trawl-nodes.pid)" 2>/dev/null || true
  for _ in $(seq 1 40); do
    [ -f /run/slurmctld-trawl-nodes.pid ] && kill -0 "$(cat /run/slurmctld-trawl-nodes.pid)" 2>/dev/null || break
    sleep 0.25
  done
  rm -f /run/slurmctld-trawl-nodes.pid
  ip link del "$nodes_bridge" 2>/dev/null || true
  return 0
}
