"""The supervisor of `processes: N`, with stand-in children (the real worker runs in tests/e2e)."""

import os
import pickle
import signal
import threading
import time

from worker.config import Settings, load_settings
from worker.processes import child_settings, run_processes


def test_each_child_gets_its_own_name_and_metrics_port():
    settings = Settings(worker_name="fc-a", processes=3, metrics_port=9108)
    children = [child_settings(settings, n) for n in range(3)]
    assert [child.worker_name for child in children] == ["fc-a-0", "fc-a-1", "fc-a-2"]
    assert [child.metrics_port for child in children] == [9108, 9109, 9110]
    assert all(child.processes == 1 for child in children)
    assert child_settings(settings.model_copy(update={"metrics_port": 0}), 2).metrics_port == 0


def test_child_settings_can_be_sent_to_a_spawned_process(tmp_path):
    config = tmp_path / "fc.yaml"
    config.write_text("batch_size: 50\nprocesses: 2\n")
    loaded = load_settings(config)
    child = pickle.loads(pickle.dumps(child_settings(loaded, 1)))
    assert (child.batch_size, child.processes, child.worker_name) == (50, 1, f"{loaded.worker_name}-1")


def exits_with_its_number(settings: Settings) -> int:
    return int(settings.worker_name.rsplit("-", 1)[1])


def waits_for_sigterm(settings: Settings) -> int:
    stopped = []
    signal.signal(signal.SIGTERM, lambda *_: stopped.append(1))
    deadline = time.monotonic() + 30
    while not stopped and time.monotonic() < deadline:
        time.sleep(0.05)
    return 0 if stopped else 3


def test_a_child_that_exits_on_its_own_stops_the_daemon_with_its_code():
    settings = Settings(worker_name="fc-t", processes=2, metrics_port=0)
    # child 0 exits 0 at once (unexpected: nobody asked it to stop), child 1 exits 1
    assert run_processes(settings, exits_with_its_number) == 1


def test_a_crashing_child_stops_the_others_and_gives_its_code():
    settings = Settings(worker_name="fc-t", processes=2, metrics_port=0)
    started = time.monotonic()
    assert run_processes(settings, crashes_or_waits) == 4
    assert time.monotonic() - started < 20  # the waiting child was told to stop


def crashes_or_waits(settings: Settings) -> int:
    if settings.worker_name.endswith("-1"):
        time.sleep(0.5)
        return 4
    return waits_for_sigterm(settings)


def test_sigterm_to_the_parent_reaches_every_child():
    settings = Settings(worker_name="fc-t", processes=2, metrics_port=0)
    before = signal.getsignal(signal.SIGTERM)
    threading.Timer(2.0, os.kill, (os.getpid(), signal.SIGTERM)).start()
    assert run_processes(settings, waits_for_sigterm) == 0
    assert signal.getsignal(signal.SIGTERM) is before  # the parent's handlers are put back
