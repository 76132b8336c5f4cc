#!/usr/bin/env python3
"""The reference SDK's way to read every subnet's dividends: query_map per netuid. Usage: sdk_snapshot.py URL ROUNDS"""
import sys
import time

import bittensor as bt

url, rounds = sys.argv[1], int(sys.argv[2])
timings, entries = [], 0
for _ in range(rounds):
    start = time.perf_counter()
    subtensor = bt.Subtensor(url)
    netuids = [int(k) for k, v in subtensor.query_map(("SubtensorModule", "NetworksAdded")) if v]
    entries = 0
    for netuid in netuids:
        entries += len(subtensor.query_map(("SubtensorModule", "AlphaDividendsPerSubnet"), [netuid]))
    subtensor.close()
    timings.append(time.perf_counter() - start)
timings.sort()
print(f"bittensor {bt.__version__} query_map: {entries} entries, min {timings[0]:.3f} s, median {timings[len(timings) // 2]:.3f} s over {rounds} runs (connect included)")
