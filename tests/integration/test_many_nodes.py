"""trawl on a Slurm cluster of three nodes (scripts/slurm-cluster.sh up
--nodes 3: each node a slurmd in its own network and UTS namespace, all on
this machine's file system as on a parallel one). An array spreads over the
nodes; a two-node task's ranks train one trial across hosts; a node that dies
without a signal loses nothing, and no trial is trained by two live workers.
Skipped, saying so, where network namespaces cannot be made."""
import os
import re
import shutil
import subprocess
import time

import h5py
import numpy as np
import pytest

from conftest import mpirun, run, write_blobs

HERE = os.path.dirname(os.path.abspath(__file__))
CLUSTER = os.path.join(HERE, "..", "..", "scripts", "slurm-cluster.sh")
NODES_CONF = "/etc/slurm-trawl-nodes/slurm.conf"
ENV = {**os.environ, "SLURM_CONF": NODES_CONF}
LEASE = 30.0

SWEEP = f"""
[sweep]
name = "many-nodes"
dir = "out"
schedule = "dynamic"
lease_seconds = {LEASE}
ranks_per_trial = {{ranks}}
[data]
path = "blobs.h5"
[model]
hidden = 128
[train]
steps = {{steps}}
batch_size = 32
eval_every = 250
threads = 1
[checkpoint]
every_steps = 100
[grid]
train.lr = [0.01, 0.003, 0.001]
train.optimizer = {{optimizers}}
"""


def namespaces_can_be_made():
    if os.geteuid() != 0 or not all(shutil.which(t) for t in ("ip", "nsenter", "unshare", "slurmd")):
        return "needs root, ip, nsenter, unshare and slurmd"
    probe = "trawl-probe-%d" % os.getpid()
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        return "cannot make network namespaces here (ip netns add: %s)" % made.stderr.strip()
    entered = subprocess.run(["nsenter", f"--net=/run/netns/{probe}", "ip", "link", "set", "lo", "up"],
                             capture_output=True, text=True)
    subprocess.run(["ip", "netns", "del", probe])
    if entered.returncode != 0:
        return "cannot enter a network namespace here (nsenter: %s)" % entered.stderr.strip()
    return None


@pytest.fixture(scope="module")
def nodes():
    why = namespaces_can_be_made()
    if why:
        pytest.skip(f"many-node Slurm tests skipped: {why}")
    up = subprocess.run(["bash", CLUSTER, "up", "--nodes", "3"], capture_output=True, text=True)
    if up.returncode != 0:
        subprocess.run(["bash", CLUSTER, "down", "--nodes", "3"], capture_output=True)
    assert up.returncode == 0, up.stdout + up.stderr
    yield
    subprocess.run(["bash", CLUSTER, "down", "--nodes", "3"], capture_output=True)


def revive_nodes():
    """Brings a killed node back (its slurmd again, state resumed)."""
    up = subprocess.run(["bash", CLUSTER, "up", "--nodes", "3"], capture_output=True, text=True)
    assert up.returncode == 0, up.stdout + up.stderr


def make(d, ranks=1, steps=3000, optimizers='["adamw", "sgd"]'):
    d.mkdir()
    write_blobs(d / "blobs.h5", rows=300)
    (d / "s.toml").write_text(SWEEP.format(ranks=ranks, steps=steps, optimizers=optimizers))


def submit(trawl, d, *args):
    out = subprocess.run([trawl, "submit", "s.toml", *args], cwd=d, capture_output=True, text=True, env=ENV)
    assert out.returncode == 0, out.stdout + out.stderr
    jobs = re.findall(r"# job (\d+)", out.stdout)
    assert jobs, out.stdout
    return jobs[0]


def squeue(job):
    out = subprocess.run(["squeue", "-h", "-o", "%i %T %N", "-j", job], capture_output=True, text=True, env=ENV)
    return [line.split() for line in out.stdout.strip().splitlines()]


def slurm_state(job):
    """What Slurm says of the job and the nodes, for a failure's message."""
    shown = [subprocess.run(cmd, capture_output=True, text=True, env=ENV).stdout
             for cmd in (["scontrol", "show", "job", job], ["sinfo", "-N", "-o", "%N %t %E"])]
    return "\n".join(shown)


def wait_for(job, timeout=900):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not squeue(job):
            return
        time.sleep(1)
    raise AssertionError(f"job {job} still queued after {timeout} s: {squeue(job)}\n{slurm_state(job)}")


def results(d):
    with h5py.File(d / "out" / "results.h5", "r") as f:
        names = {v: k for k, v in h5py.check_enum_dtype(f["trials/status"].dtype).items()}
        return {"status": [names[s] for s in f["trials/status"][:]], "attempts": list(f["trials/attempts"][:]),
                "owners": list(f["trials/owner"].asstr()[:]), "curve": f["curves/val.loss"][:],
                "kinds": list(f["events/kind"].asstr()[:]), "trials": list(f["events/trial"][:])}


def hosts(owners):
    return {o.split("@")[1].split(":")[0] for o in owners}


def running_on(d):
    """The hosts whose workers hold running trials now, by the results file."""
    if not (d / "out" / "results.h5").exists():
        return set()
    try:
        r = results(d)
    except OSError:  # being written this moment
        return set()
    return hosts(o for o, s in zip(r["owners"], r["status"]) if s == "running")


def wait_until(what, check, timeout=300, detail=lambda: ""):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"not seen within {timeout} s: {what}\n{detail()}")


def job_output(d, job):
    """What Slurm says of the job, and its tasks' logs (Slurm's output and trawl's)."""
    return f"{slurm_state(job)}\n{logs(d) if (d / 'out' / 'logs').exists() else ''}"


def processes_on(node, field="comm"):
    """(pid, `ps -o <field>`) of each process in the node's namespace."""
    pids = subprocess.run(["ip", "netns", "pids", node], capture_output=True, text=True).stdout.split()
    return [(p, subprocess.run(["ps", "-o", f"{field}=", "-p", p], capture_output=True, text=True).stdout.strip())
            for p in pids]


def trawl_ranks_on(node):
    return [p for p, name in processes_on(node) if name == "trawl"]


def steps_of(job_id):
    """The live nodes' slurmstepd processes of job `job_id` (titled
    "slurmstepd: [<job>.<step>]")."""
    return [p for n in ("tn1", "tn2", "tn3") for p, args in processes_on(n, "args") if f"[{job_id}." in args]


def logs(d):
    return "".join(p.read_text(errors="replace") for p in sorted((d / "out" / "logs").glob("*.log")))


def assert_trained_once(d, r, interrupted=()):
    """Every trial done; only the interrupted ones taken a second time, and
    never from a live worker (a worker that found its trial taken says so)."""
    assert set(r["status"]) == {"done"}, r["status"]
    again = {t for t, a in enumerate(r["attempts"]) if a > 1}
    assert again == set(interrupted), (r["attempts"], r["owners"])
    assert "another worker's now" not in logs(d), logs(d)


def clean_run(trawl, tmp_path, ranks=1, **sweep):
    clean = tmp_path / "clean"
    make(clean, ranks=ranks, **sweep)
    command = [trawl, "run", "s.toml", "--threads", "1"]
    run(mpirun(ranks, *command) if ranks > 1 else command, cwd=clean)
    return results(clean)["curve"]


def expand(nodelist):
    """Slurm's "tn[1-2]" or "tn1,tn3" as node names."""
    m = re.fullmatch(r"tn\[(.*)\]", nodelist)
    if not m:
        return nodelist.split(",")
    names = []
    for part in m.group(1).split(","):
        lo, _, hi = part.partition("-")
        names += [f"tn{i}" for i in range(int(lo), int(hi or lo) + 1)]
    return names


def expect_requeued(job):
    """Slurm finds the node dead and requeues its task; it would hold it back
    two minutes (a requeued job's begin time), which this test does not wait.
    It does wait for the task's old steps to end on the live nodes: started
    where its old incarnation still ends, the task would find its own job id
    there, and Slurm drains such a node ("Duplicate jobid")."""
    ids = []

    def requeued():
        shown = subprocess.run(["scontrol", "show", "job", job], capture_output=True, text=True, env=ENV).stdout
        ids[:] = [re.search(r"JobId=(\d+)", task).group(1) for task in shown.split("\n\n")
                  if re.search(r"Restarts=[1-9]", task)]
        return bool(ids)
    wait_until(f"a task of job {job} requeued", requeued)
    wait_until(f"no step of the requeued task(s) {ids} left on a live node",
               lambda: not any(steps_of(i) for i in ids))

    def released():
        pending = [task[0] for task in squeue(job) if task[1] == "PENDING"]
        for task in pending:
            subprocess.run(["scontrol", "update", f"jobid={task}", "starttime=now"], env=ENV, capture_output=True)
        return pending or not squeue(job)
    wait_until(f"the requeued task of job {job} pending", released)


def checkpointed(d, trials):
    """Whether each of `trials` has a checkpoint to resume from."""
    return all(list((d / "out" / "trials" / str(t) / "checkpoints").glob("step-*")) for t in trials)


def kill_and_recover(d, job, victim, held, while_down=lambda: None):
    """Kills node `victim` once its trials have a checkpoint; once Slurm
    requeued its task and the job ended, every trial is done, `held` (the
    trials it trained) resumed elsewhere from a checkpoint."""
    wait_until(f"a checkpoint of trials {held}", lambda: checkpointed(d, held))
    subprocess.run(["bash", CLUSTER, "kill-node", victim], check=True)
    try:
        while_down()
        expect_requeued(job)
        wait_for(job)
    finally:
        revive_nodes()
    r = results(d)
    assert_trained_once(d, r, interrupted=held)
    assert "resumed" in r["kinds"]
    return r


def test_a_two_node_task_trains_one_trial_across_hosts(trawl, nodes, tmp_path):
    d = tmp_path / "d"
    make(d, ranks=2, steps=2000, optimizers='["adamw"]')
    job = submit(trawl, d, "--array-count", "1", "--nodes", "2", "--cpus-per-rank", "8")
    seen = {}

    def both_ranks_run():
        queued = [q for q in squeue(job) if q[1] == "RUNNING"]
        if queued:
            seen.update({n: trawl_ranks_on(n) for n in expand(queued[0][2])})
        return len(seen) == 2 and all(seen.values())

    wait_until("a trawl rank on each of the task's two nodes", both_ranks_run, detail=lambda: job_output(d, job))
    wait_for(job)
    r = results(d)
    assert_trained_once(d, r)
    assert "2 rank(s)" in logs(d), logs(d)
    # Data-parallel over two hosts: the curves of two ranks on one machine.
    np.testing.assert_array_equal(r["curve"], clean_run(trawl, tmp_path, ranks=2, steps=2000, optimizers='["adamw"]'))


def test_an_array_spreads_over_the_nodes_and_a_dead_node_loses_nothing(trawl, nodes, tmp_path):
    d = tmp_path / "d"
    make(d)
    # Three tasks, a whole node each (8 CPUs), one trial's ranks per task.
    job = submit(trawl, d, "--array-count", "3", "--cpus-per-rank", "8")
    wait_until("a trial training on each of the three nodes", lambda: len(running_on(d)) == 3)
    victim = "tn2"
    held = [t for t, (o, s) in enumerate(zip(results(d)["owners"], results(d)["status"]))
            if s == "running" and "@tn2:" in o]
    assert len(held) == 1, results(d)
    r = kill_and_recover(d, job, victim, held)
    assert hosts(r["owners"]) >= {"tn1", "tn3"}
    np.testing.assert_array_equal(r["curve"], clean_run(trawl, tmp_path))


def test_a_two_node_task_that_loses_a_node_leaves_no_rank_hanging(trawl, nodes, tmp_path):
    d = tmp_path / "d"
    make(d, ranks=2, steps=6000, optimizers='["adamw"]')
    job = submit(trawl, d, "--array-count", "1", "--nodes", "2", "--cpus-per-rank", "8")
    alloc = []

    def training():
        queued = [q for q in squeue(job) if q[1] == "RUNNING"]
        if queued and len(running_on(d)) == 1:
            alloc[:] = expand(queued[0][2])
        return len(alloc) == 2 and all(trawl_ranks_on(n) for n in alloc)

    wait_until("the task training on two nodes", training, detail=lambda: job_output(d, job))
    victim, survivor = alloc[1], alloc[0]
    held = [t for t, s in enumerate(results(d)["status"]) if s == "running"]
    # The rank left on the other node waits on a peer that will never
    # answer; it must not hang there past the lease.
    r = kill_and_recover(d, job, victim, held, lambda: wait_until(
        f"no trawl rank left on {survivor}", lambda: not trawl_ranks_on(survivor), timeout=LEASE + 15))
    np.testing.assert_array_equal(r["curve"], clean_run(trawl, tmp_path, ranks=2, steps=6000, optimizers='["adamw"]'))


SCALE = """
[sweep]
name = "scale"
dir = "out"
schedule = "dynamic"
[data]
path = "blobs.h5"
[model]
hidden = 4
[train]
steps = 4
batch_size = 8
eval_every = 4
threads = 1
[grid]
train.lr = {linspace = [0.001, 0.1, 25]}
train.weight_decay = {linspace = [0.0, 0.1, 20]}
"""


def test_twenty_four_workers_on_three_nodes_share_one_file_and_run_every_trial_once(trawl, nodes, tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    write_blobs(d / "blobs.h5", rows=60)
    (d / "s.toml").write_text(SCALE)
    # Three tasks of eight single-rank workers, a whole node each.
    job = submit(trawl, d, "--array-count", "3", "--ranks", "8")
    wait_for(job)
    r = results(d)
    assert len(r["status"]) == 500
    assert set(r["status"]) == {"done"}, logs(d)
    assert set(r["attempts"]) == {1}
    claimed = [t for k, t in zip(r["kinds"], r["trials"]) if k == "claimed"]
    assert sorted(claimed) == list(range(500))  # each trial claimed once, by one worker
    workers = {o.split(" ")[0] for o in r["owners"]}
    assert hosts(r["owners"]) == {"tn1", "tn2", "tn3"}
    assert len({w.split(":")[0] for w in workers}) == 24, workers  # a<task>.g<rank>@<node>
