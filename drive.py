import subprocess, sys, time, os, signal
from pathlib import Path
env = {**os.environ, "DAGSTER_HOME": "/tmp/sig/dh", "PYTHONPATH": "/work/main"}
os.makedirs("/tmp/sig/dh", exist_ok=True)
target = Path("/tmp/sig/.w_dbt")
log = open("/tmp/sig/run.log", "w")
p = subprocess.Popen([sys.executable, "/tmp/sig/job.py", "/tmp/sig/w.duckdb", "transform"], cwd="/work/main", env=env, stdout=log, stderr=subprocess.STDOUT)
t0 = time.monotonic()
while p.poll() is None:
    logs = [l for l in target.glob("*/dbt.log")]
    # wait for the warehouse step (the big one)
    big = [l for l in logs if "warehouse" in l.parent.name]
    if big and "START" in big[0].read_text():
        break
    time.sleep(0.05)
print("dbt warehouse step started at", round(time.monotonic()-t0,1), [l.parent.name for l in logs])
time.sleep(2)
t1 = time.monotonic()
p.send_signal(signal.SIGINT)
p.wait(timeout=600)
print("exited", p.returncode, "after SIGINT in", round(time.monotonic()-t1,1), "s")
for l in sorted(target.glob("*/dbt.log")):
    text = l.read_text()
    import re
    done = re.findall(r"(\d+) of (\d+) (OK|PASS|ERROR|WARN|FAIL|SKIP)", text)
    print(l.parent.name, "results:", len(done), "of", done[0][1] if done else "?", "| interrupt" if "KeyboardInterrupt" in text or "keyboard interrupt" in text.lower() else "")
