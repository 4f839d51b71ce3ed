#!/usr/bin/env python3
"""ci_nextflow_contract.py — tests the command contract of the Nextflow
module workflows/nextflow/modules/heatmill/run/main.nf without Nextflow
(it cannot be installed offline): the harness plays Nextflow's part.

For each case it stages a config and the data files in a fresh task
directory, evaluates the module's `script:` block (its `def` lines from a
table of the exact expressions the module uses — a changed expression fails
here until the table follows — then `${...}` substitution with task.cpus,
task.memory, task.ext.args, meta), runs it with bash against the real
binary, and checks:
  * every output `heatmill plan --json` says the task writes matches the
    declared glob of its channel (png/svg/pdf), and exists;
  * every file the task wrote is matched by some declared output glob;
  * the required outputs (non-optional) exist;
  * the `versions` topic's eval gives the version in Cargo.toml;
  * the `stub:` block makes exactly the required outputs.

  python3 scripts/ci_nextflow_contract.py [HEATMILL]
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULE = ROOT / "workflows/nextflow/modules/heatmill/run/main.nf"


def fail(msg):
    print(f"ci_nextflow_contract: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def block(text, name, ends):
    m = re.search(rf"^\s*{name}:\s*\n(.*?)(?=^\s*(?:{'|'.join(ends)}):|^\}})", text, re.S | re.M)
    if not m:
        fail(f"no {name}: block in {MODULE}")
    return m.group(1)


def glob_re(glob):
    """A Nextflow (Java NIO) glob as a regex: ** crosses directories."""
    out, i = "", 0
    while i < len(glob):
        c = glob[i]
        if glob.startswith("**", i):
            out += ".*"
            i += 2
            continue
        if c == "*":
            out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "{":
            j = glob.index("}", i)
            out += "(?:" + "|".join(re.escape(a) for a in glob[i + 1 : j].split(",")) + ")"
            i = j
        else:
            out += re.escape(c)
        i += 1
    return re.compile(out + r"\Z")


# The module's `def` lines and what they mean (task, meta) -> value.
DEFS = {
    "def args = task.ext.args ?: ''": ("args", lambda t, m: t["ext.args"] or ""),
    'prefix = task.ext.prefix ?: "${meta.id}"': ("prefix", lambda t, m: t["ext.prefix"] or m["id"]),
    "def shard = meta.shard ? \"--shard ${meta.shard}\" : ''": (
        "shard",
        lambda t, m: f"--shard {m['shard']}" if m.get("shard") else "",
    ),
    "def only = meta.only ? \"--only ${meta.only}\" : ''": (
        "only",
        lambda t, m: f"--only {m['only']}" if m.get("only") else "",
    ),
    "def memory = task.memory ? \"--max-memory ${task.memory.toMega()}MiB\" : ''": (
        "memory",
        # MemoryUnit.toMega() is bytes >> 20
        lambda t, m: f"--max-memory {t['memory'] >> 20}MiB" if t["memory"] else "",
    ),
}


def evaluate(section, task, meta, config):
    defs, body = section.split('"""', 1)
    body = body.rsplit('"""', 1)[0]
    env = {"config": config, "task.cpus": str(task["cpus"])}
    for line in (l.strip() for l in defs.splitlines()):
        if not line:
            continue
        if line not in DEFS:
            fail(f"the module has a def line the harness does not know: {line!r}")
        name, f = DEFS[line]
        env[name] = f(task, meta)

    def sub(m):
        k = m.group(1)
        if k not in env:
            fail(f"the script uses ${{{k}}}, which the harness does not model")
        return env[k]

    return re.sub(r"\$\{([^}]+)\}", sub, body).replace("\\\\", "\\"), env


def outputs(text, prefix):
    decl = []
    for line in block(text, "output", ["when", "script", "stub"]).splitlines():
        m = re.search(r'path\("([^"]+)"\)\s*,\s*emit:\s*(\w+)', line)
        if m:
            decl.append((m.group(2), m.group(1).replace("${prefix}", prefix), "optional: true" in line))
    return decl


def run_case(heatmill, work, text, name, task, meta, expect_files):
    d = work / name
    d.mkdir()
    for f in (work / "stage").iterdir():
        os.symlink(f, d / f.name)
    script, env = evaluate(block(text, "script", ["stub"]), task, meta, "heatmill.toml")
    path = f"{Path(heatmill).parent}:{os.environ['PATH']}"
    r = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=d, env={**os.environ, "PATH": path},
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"{name}: script exited {r.returncode}: {r.stderr}\n{script}")
    decl = outputs(text, env["prefix"])
    # What heatmill says it writes, from the same config.
    plan_args = [heatmill, "plan", "heatmill.toml", "--out", env["prefix"], "--json"]
    planned = json.loads(subprocess.run(plan_args, cwd=d, check=True, capture_output=True, text=True).stdout)
    if meta.get("only"):
        ds, _, fig = meta["only"].partition("/")
        planned = [j for j in planned if j["dataset"] == ds and (not fig or j["figure"] == fig)]
    if meta.get("shard"):
        # Datasets are dealt round-robin in plan order (Plan::shard_datasets).
        k, n = map(int, meta["shard"].split("/"))
        names = list(dict.fromkeys(j["dataset"] for j in planned))
        mine = {d for i, d in enumerate(names) if i % n == k - 1}
        planned = [j for j in planned if j["dataset"] in mine]
    written = sorted(str(p.relative_to(d)) for p in d.rglob("*") if p.is_file() and not p.is_symlink())
    n_planned = 0
    for job in planned:
        for out in job["outputs"]:
            ext = out.rsplit(".", 1)[1]
            glob = dict((e, g) for e, g, _ in decl)[ext]
            if not glob_re(glob).match(out):
                fail(f"{name}: planned output {out} does not match the {ext} channel's glob {glob}")
            if out not in written:
                fail(f"{name}: planned output {out} was not written")
            n_planned += 1
    for w in written:
        if not any(glob_re(g).match(w) for _, g, _ in decl):
            fail(f"{name}: {w} was written but no output channel declares it")
    for emit, g, optional in decl:
        if not optional and not any(glob_re(g).match(w) for w in written):
            fail(f"{name}: required output {emit} ({g}) is missing")
    if expect_files is not None and n_planned != expect_files:
        fail(f"{name}: {n_planned} planned figure files, expected {expect_files}")
    if task["memory"] and f"--max-memory {task['memory'] >> 20}MiB" not in script:
        fail(f"{name}: task.memory not passed")
    if f"--threads {task['cpus']}" not in script:
        fail(f"{name}: task.cpus not passed")
    channels = {e: sum(bool(glob_re(g).match(w)) for w in written) for e, g, _ in decl}
    print(f"ci_nextflow_contract: {name}: {n_planned} planned figures written and declared; files per channel {channels}")
    return d


def main():
    heatmill = os.path.realpath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
        "HEATMILL", os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/heatmill-target")),
                                 "debug", "heatmill")))
    if not os.access(heatmill, os.X_OK):
        fail(f"no heatmill binary at {heatmill}")
    text = MODULE.read_text()
    work = Path(tempfile.mkdtemp(prefix="heatmill-nf-"))
    try:
        stage = work / "stage"
        stage.mkdir()
        s = ROOT / "data-samples"
        for f in ["seed.csv", "seed.parquet", "samples.tsv"]:
            shutil.copy(s / f, stage / f)
        (stage / "heatmill.toml").write_text(
            '[output]\ndir = "out"\nformats = ["png", "svg", "pdf"]\nnaming = "{dataset}/{figure}_mqc.{ext}"\n'
            '[defaults]\nfigsize = [5, 4]\n'
            '[[dataset]]\nname = "seed_csv"\npath = "seed.csv"\ncol_colors = ["samples.tsv:group"]\n'
            '[[dataset]]\npath = "seed*.parquet"\ncol_colors = ["samples.tsv:group"]\n'
            '[[figure]]\nname = "heatmap"\nkind = "heatmap"\n'
            '[[figure]]\nname = "clustermap"\nkind = "clustermap"\nmethod = "ward"\ncut_rows = 3\n'
            '[[figure]]\nname = "corrmap"\nkind = "corrmap"\nmask = "upper"\n')
        gb = 1 << 30
        base = {"cpus": 2, "memory": 2 * gb, "ext.args": "", "ext.prefix": None}
        run_case(heatmill, work, text, "whole", base, {"id": "cohort"}, 18)
        run_case(heatmill, work, text, "shard", {**base, "ext.args": "--force"},
                 {"id": "cohort_2", "shard": "2/2"}, None)
        run_case(heatmill, work, text, "only", {**base, "memory": None, "ext.prefix": "fig"},
                 {"id": "seed_csv", "only": "seed_csv/clustermap"}, 3)
        # The versions topic.
        m = re.search(r'eval\("(.+?)"\)', block(text, "output", ["when", "script", "stub"]))
        v = subprocess.run(["bash", "-c", m.group(1)], capture_output=True, text=True,
                           env={**os.environ, "PATH": f"{Path(heatmill).parent}:{os.environ['PATH']}"}).stdout.strip()
        want = re.search(r'^version = "(.+)"', (ROOT / "Cargo.toml").read_text(), re.M).group(1)
        if v != want:
            fail(f"versions topic gives {v!r}, Cargo.toml says {want!r}")
        print(f"ci_nextflow_contract: versions topic: heatmill {v}")
        # The stub touches exactly the required outputs.
        d = work / "stub"
        d.mkdir()
        stub = block(text, "stub", ["__none__"])
        script, env = evaluate(stub, base, {"id": "cohort"}, "heatmill.toml")
        subprocess.run(["bash", "-euc", script], cwd=d, check=True)
        written = [str(p.relative_to(d)) for p in d.rglob("*") if p.is_file()]
        decl = outputs(text, env["prefix"])
        for emit, g, optional in decl:
            if not optional and not any(glob_re(g).match(w) for w in written):
                fail(f"stub: required output {emit} missing")
        for w in written:
            if not any(glob_re(g).match(w) for _, g, _ in decl):
                fail(f"stub: {w} is not a declared output")
        if "heatmill" in script:
            fail("stub runs heatmill")
        print(f"ci_nextflow_contract: stub touches {written} only")
    finally:
        if not os.environ.get("KEEP"):
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
