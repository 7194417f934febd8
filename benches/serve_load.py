#!/usr/bin/env python3
"""A classroom of real FTP clients (Python's ftplib) against one server.

    serve_load.py --port P --clients N --sessions S --user demo --password demo \
                  --upload-dir / --pids PID[,PID] --upload-size BYTES

Each client is a thread with its own loopback source address (127.0.x.y, a
host of its own, as students' machines are), and runs S sessions one after
another: login, LIST, RETR random.bin (checked against the built-in file),
STOR a fresh random upload, RETR it back (checked byte for byte), QUIT. The
data mode goes round: PASV, EPSV, PORT, EPRT. Threads are spread over a few
processes so that Python's lock does not make the client the bottleneck.

Prints one JSON object: sessions, control connections made, refusals,
mismatches, failed STORs, other errors, payload bytes, wall time, session
latencies (p50, p99) and the peak resident memory of the server's processes
(summed over the process tree of each PID, sampled every 20 ms; and the
kernel's own high-water mark, VmHWM, of the PIDs themselves).
"""

import argparse
import ftplib
import hashlib
import json
import multiprocessing
import os
import socket
import threading
import time

MODES = ["PASV", "EPSV", "PORT", "EPRT"]


class Client(ftplib.FTP):
    """ftplib, with EPSV and EPRT on IPv4 too (ftplib uses them on IPv6 only)."""

    mode = "PASV"

    def makepasv(self):
        if self.mode == "EPSV":
            _, port = ftplib.parse229(self.sendcmd("EPSV"), self.sock.getpeername())
            return self.sock.getpeername()[0], port
        return super().makepasv()

    def makeport(self):
        host = self.sock.getsockname()[0]
        sock = socket.create_server((host, 0), family=socket.AF_INET, backlog=1)
        port = sock.getsockname()[1]
        if self.mode == "EPRT":
            self.sendeprt(host, port)
        else:
            self.sendport(host, port)
        sock.settimeout(self.timeout)
        return sock


class Refused(Exception):
    pass


def one_session(args, source, mode, expected, upload, counters):
    """One session; returns the payload bytes moved."""
    moved = 0
    ftp = Client(timeout=60, source_address=(source, 0))
    try:
        try:
            ftp.connect("127.0.0.1", args.port)
        except ConnectionRefusedError as e:
            raise Refused() from e
        except ftplib.error_temp as e:
            counters["control"] += 1
            if str(e).startswith("421"):
                raise Refused() from e
            raise
        counters["control"] += 1
        try:
            ftp.login(args.user, args.password)
        except ftplib.error_temp as e:
            if str(e).startswith("421"):
                raise Refused() from e
            raise
        ftp.mode = mode
        ftp.set_pasv(mode in ("PASV", "EPSV"))
        lines = []
        ftp.retrlines("LIST", lines.append)
        moved += sum(len(line) + 2 for line in lines)
        got = bytearray()
        ftp.retrbinary("RETR random.bin", got.extend)
        moved += len(got)
        if hashlib.sha256(got).digest() != expected:
            counters["mismatches"] += 1
        name = f"{args.upload_dir.rstrip('/')}/up-{os.getpid()}-{threading.get_ident()}-{counters['sessions']}.bin"
        try:
            ftp.storbinary(f"STOR {name}", _Reader(upload))
        except (ftplib.Error, OSError):
            counters["failed_stors"] += 1
            raise
        moved += len(upload)
        back = bytearray()
        ftp.retrbinary(f"RETR {name}", back.extend)
        moved += len(back)
        if bytes(back) != upload:
            counters["mismatches"] += 1
        ftp.quit()
    finally:
        ftp.close()
    return moved


class _Reader:
    """A file-like view of bytes for storbinary."""

    def __init__(self, data):
        self.data = memoryview(data)
        self.at = 0

    def read(self, n):
        chunk = self.data[self.at : self.at + n]
        self.at += len(chunk)
        return bytes(chunk)


def worker(args, first, count, expected, results):
    counters = {"sessions": 0, "control": 0, "refused": 0, "mismatches": 0,
                "failed_stors": 0, "errors": 0, "bytes": 0}
    latencies = []
    lock = threading.Lock()

    def client(i):
        source = f"127.0.{1 + i // 250}.{1 + i % 250}"
        upload = os.urandom(args.upload_size)
        local = {k: 0 for k in counters}
        mine = []
        for s in range(args.sessions):
            local["sessions"] = s
            mode = MODES[(i + s) % len(MODES)]
            start = time.monotonic()
            try:
                local["bytes"] += one_session(args, source, mode, expected, upload, local)
                mine.append(time.monotonic() - start)
            except Refused:
                local["refused"] += 1
            except Exception as e:  # noqa: BLE001 — every failure is counted
                local["errors"] += 1
                if local["errors"] <= 2:
                    print(f"client {i} session {s} ({mode}): {e!r}", flush=True)
        with lock:
            for k in counters:
                if k != "sessions":
                    counters[k] += local[k]
            counters["sessions"] += len(mine)
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(first + i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put((counters, latencies))


def tree_rss(pids):
    """Resident memory (bytes) of the given processes and all their descendants."""
    children = {}
    rss = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            ppid = int(stat[stat.rfind(")") + 2 :].split()[1])
            with open(f"/proc/{entry}/statm") as f:
                rss[int(entry)] = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            children.setdefault(ppid, []).append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    total, todo = 0, list(pids)
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--clients", type=int, required=True)
    p.add_argument("--sessions", type=int, default=4)
    p.add_argument("--user", default="anonymous")
    p.add_argument("--password", default="x")
    p.add_argument("--upload-dir", default="/")
    p.add_argument("--upload-size", type=int, default=1 << 20)
    p.add_argument("--expected", required=True, help="the file random.bin should be")
    p.add_argument("--pids", default="")
    p.add_argument("--procs", type=int, default=2)
    args = p.parse_args()

    with open(args.expected, "rb") as f:
        expected = hashlib.sha256(f.read()).digest()
    pids = [int(x) for x in args.pids.split(",") if x]
    peak = [tree_rss(pids)]
    sampling = threading.Event()

    def sample():
        while not sampling.wait(0.02):
            peak[0] = max(peak[0], tree_rss(pids))

    sampler = threading.Thread(target=sample)
    sampler.start()
    results = multiprocessing.Queue()
    procs = []
    per = [args.clients // args.procs + (1 if i < args.clients % args.procs else 0)
           for i in range(args.procs)]
    start = time.monotonic()
    first = 0
    for n in per:
        if n == 0:
            continue
        proc = multiprocessing.Process(target=worker, args=(args, first, n, expected, results))
        proc.start()
        procs.append(proc)
        first += n
    totals, latencies = None, []
    for _ in procs:
        counters, lat = results.get()
        latencies.extend(lat)
        totals = counters if totals is None else {k: totals[k] + counters[k] for k in totals}
    for proc in procs:
        proc.join()
    wall = time.monotonic() - start
    sampling.set()
    sampler.join()
    latencies.sort()

    def pct(q):
        if not latencies:
            return None
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    hwm = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                hwm += next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmHWM:"))
        except (OSError, StopIteration, ValueError):
            pass
    totals.update({
        "hwm": hwm,
        "wall": wall,
        "p50": pct(0.50),
        "p99": pct(0.99),
        "peak_rss": peak[0],
    })
    print(json.dumps(totals), flush=True)


if __name__ == "__main__":
    main()
