#!/usr/bin/env python3
"""Drives a running DevChain with the official SDK (bittensor 11.3's Subtensor client), as a user
would, and prints what it saw as one JSON object. Usage: devchain_sdk.py PORT NETUID
"""
import json
import sys

import bittensor as bt
import bittensor_core as core
from bittensor.intents.staking import AddStake


def main():
    port, netuid = int(sys.argv[1]), int(sys.argv[2])
    read_only = len(sys.argv) > 3 and sys.argv[3] == "read"
    out = {}
    subtensor = bt.Subtensor(f"ws://127.0.0.1:{port}")
    if len(sys.argv) > 3 and sys.argv[3] == "stale-nonce":
        alice = core.Keypair.create_from_uri("//Alice")
        bob = core.Keypair.create_from_uri("//Bob").ss58_address
        try:
            for label in ["first", "again"]:
                unsigned = subtensor.prepare_call(bt.calls.Balances.transfer_keep_alive(dest=bob, value=1_000_000),
                                                  address=alice.ss58_address, nonce=0)
                result = subtensor.submit_signature(unsigned, alice.sign(unsigned.payload))
                out[label] = {"success": bool(result.success), "message": str(result.message)}
        finally:
            subtensor.close()
            json.dump(out, sys.stdout)
        return
    if len(sys.argv) > 3 and sys.argv[3] == "facts":
        try:
            block = subtensor.block
            out["block"] = block
            stamp = subtensor.timestamp(block=block)
            out["timestamp_ms"] = int(stamp.timestamp() * 1000) if hasattr(stamp, "timestamp") else int(stamp)
            out["total_issuance"] = int(subtensor.query(("Balances", "TotalIssuance"), block=block))
        finally:
            subtensor.close()
            json.dump(out, sys.stdout)
        return
    if len(sys.argv) > 5 and sys.argv[3] == "stake-info":
        hotkey, coldkey = sys.argv[4], sys.argv[5]
        substrate = subtensor._client._substrate
        try:
            one = subtensor._call(substrate.runtime_call("StakeInfoRuntimeApi", "get_stake_info_for_hotkey_coldkey_netuid", [hotkey, coldkey, netuid]))
            every = subtensor._call(substrate.runtime_call("StakeInfoRuntimeApi", "get_stake_info_for_coldkey", [coldkey]))
            out["one"] = json.loads(json.dumps(one, default=str))
            out["every"] = json.loads(json.dumps(every, default=str))
        finally:
            subtensor.close()
            json.dump(out, sys.stdout)
        return
    try:
        block = subtensor.block
        out["block"] = block
        out["netuids"] = sorted(int(k) for k, v in subtensor.query_map(("SubtensorModule", "NetworksAdded")) if v)
        out["tempo"] = subtensor.query(("SubtensorModule", "Tempo"), [netuid])
        out["dividends"] = {str(hotkey): int(value) for hotkey, value in
                            subtensor.query_map(("SubtensorModule", "AlphaDividendsPerSubnet"), [netuid], block=block)}
        if read_only:
            return
        alice = core.Keypair.create_from_uri("//Alice")
        hotkey = subtensor.query(("SubtensorModule", "Keys"), [netuid, 0])
        out["hotkey"] = hotkey
        result = subtensor.execute(
            AddStake(hotkey_ss58=hotkey, netuid=netuid, amount_tao=bt.Balance.from_tao(1.0)), alice)
        out["stake"] = {"success": bool(result.success), "message": str(result.message), "block_hash": result.block_hash,
                        "events": [e.get("event_id") for e in (result.events or [])]}
    finally:
        subtensor.close()
        json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
