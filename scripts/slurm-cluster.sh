#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the integration test
# (make test-slurm). Debian's slurm-wlm and munge; no GPUs; no cgroups
# (containers often have none): processes are tracked by their parent ids.
#
#   bash scripts/slurm-cluster.sh up     install, configure, start, wait until the node is idle
#   bash scripts/slurm-cluster.sh down   stop the daemons
#
# Needs root (apt-get, daemons). The daemons run as root; do not use this
# on a shared machine's real scheduler.
set -euo pipefail

conf=/etc/slurm/slurm.conf
state=/var/spool/slurm-test

up() {
	if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
	fi
	local host cpus mem
	host=$(hostname -s)
	cpus=$(nproc)
	mem=$(awk '/MemTotal/ {printf "%d", $2/1024*0.8}' /proc/meminfo)
	mkdir -p "$state/ctld" "$state/d" /var/log/slurm /run/munge /etc/slurm
	chown munge:munge /run/munge
	if [ ! -s /etc/munge/munge.key ]; then
		dd if=/dev/urandom of=/etc/munge/munge.key bs=128 count=1 status=none
		chown munge:munge /etc/munge/munge.key
		chmod 400 /etc/munge/munge.key
	fi
	cat >"$conf" <<CONF
ClusterName=harness-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
KillWait=10
MinJobAge=300
SchedulerParameters=sched_interval=1,bf_interval=1
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
	pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged
	pgrep -x slurmctld >/dev/null || /usr/sbin/slurmctld
	pgrep -x slurmd >/dev/null || /usr/sbin/slurmd
	for _ in $(seq 120); do
		if sinfo -h -o '%T' 2>/dev/null | grep -qx idle; then
			sinfo
			return 0
		fi
		sleep 0.5
	done
	echo "slurm-cluster: the node did not become idle in 60 s" >&2
	sinfo >&2 || true
	tail -20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
	exit 1
}

down() {
	for d in slurmd slurmctld; do
		if [ -f "/run/$d.pid" ]; then kill "$(cat "/run/$d.pid")" 2>/dev/null || true; fi
	done
	if [ -f /run/munge/munged.pid ]; then kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true; fi
}

case "${1:-}" in
up) up ;;
down) down ;;
*)
	echo "usage: $0 up|down" >&2
	exit 2
	;;
esac
