#!/usr/bin/env python3
"""time_to_first_answer.py URL CMD [ARGS...]: starts CMD, polls URL every 2 ms until it answers
200, prints the milliseconds from the spawn to that answer, then stops CMD (SIGTERM)."""
import http.client
import subprocess
import sys
import time
import urllib.parse

url = urllib.parse.urlsplit(sys.argv[1])
start = time.monotonic()
proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    while True:
        if proc.poll() is not None:
            sys.exit(f"{sys.argv[2]} exited with status {proc.returncode}")
        if time.monotonic() - start > 30:
            sys.exit("no answer within 30 s")
        try:
            c = http.client.HTTPConnection(url.hostname, url.port, timeout=1)
            c.request("GET", url.path or "/")
            if c.getresponse().status == 200:
                break
        except OSError:
            pass
        time.sleep(0.002)
    print(f"{(time.monotonic() - start) * 1000:.1f}")
finally:
    proc.terminate()
    proc.wait()
