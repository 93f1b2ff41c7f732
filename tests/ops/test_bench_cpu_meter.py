"""``bench.CpuMeter``, which the burst, import and sync benchmarks use to say where their CPU time
went: each part gets the time its own processes spent, and nothing of the others'."""

import os
import subprocess
import sys
import time

import pytest
from django.db import connection

from bench import Backends, CpuMeter, ProcessGroups, ThisProcess, stop_process_group

BURN = "import time\nend = time.process_time() + {seconds}\nwhile time.process_time() < end: pass\n"


def _burn_here(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def _group(code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code], start_new_session=True)  # noqa: S603 (fixed code)


@pytest.mark.django_db
def test_each_part_gets_its_own_processes_time():
    busy = _group(BURN.format(seconds=1.0))
    idle = _group("import time; time.sleep(5)")
    try:
        parts = {
            "busy": ProcessGroups((busy.pid,)),
            "idle": ProcessGroups((idle.pid,)),
            "database": Backends(connection.settings_dict["NAME"]),
            "here": ThisProcess(thread_only=True),
        }
        with CpuMeter(parts) as cpu:
            _burn_here(0.3)
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM generate_series(1, 3000000)")
            busy.wait(timeout=30)
    finally:
        for process in (busy, idle):
            stop_process_group(process, timeout=5)

    seconds = cpu.seconds
    # The group ended before the block did: its time up to the last sample (0.2 s apart) still counts.
    assert 0.6 <= seconds["busy"] <= 1.4, seconds
    assert seconds["idle"] < 0.1, seconds
    assert seconds["database"] > 0.05, seconds  # three million rows counted by this test's backend
    assert 0.25 <= seconds["here"] < 0.6, seconds
    assert cpu.per(3) == {part: round(value * 1000 / 3, 2) for part, value in seconds.items()}
    # Three units of work at this cost: what the cores allow if nothing else ran on them.
    assert cpu.bound_rate(3) == round(os.cpu_count() * 3 / sum(seconds.values()), 1)
    assert cpu.bound_rate(0) is None
