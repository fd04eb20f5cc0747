"""Reads every record of a topic with kafka-python's KafkaConsumer + assign() (no group) and prints one
JSON line per record: partition, offset, timestamp, and base64 key/value/headers (null stays null).

usage: kafka-python-consume.py <bootstrap> <topic> <partitions> <timeout_s>
"""
import base64
import json
import sys
import time

from kafka import KafkaConsumer, TopicPartition


def b64(data):
    return None if data is None else base64.b64encode(data).decode("ascii")


def main():
    bootstrap, topic, partitions, timeout_s = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        # Pure-Python CRC32C is slow; kcat checks CRCs in the same test.
        check_crcs=False,
        fetch_max_bytes=64 * 1024 * 1024,
        max_partition_fetch_bytes=16 * 1024 * 1024,
        max_poll_records=20000,
        api_version_auto_timeout_ms=10000,
        request_timeout_ms=30000,
    )
    tps = [TopicPartition(topic, p) for p in range(partitions)]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    end = consumer.end_offsets(tps)
    deadline = time.time() + timeout_s
    out = sys.stdout
    while any(consumer.position(tp) < end[tp] for tp in tps):
        if time.time() > deadline:
            sys.stderr.write("timed out; positions %s end %s\n" % ({tp.partition: consumer.position(tp) for tp in tps}, {tp.partition: end[tp] for tp in tps}))
            sys.exit(3)
        for tp, messages in consumer.poll(timeout_ms=500).items():
            for m in messages:
                out.write(json.dumps({
                    "p": m.partition,
                    "o": m.offset,
                    "t": m.timestamp,
                    "k": b64(m.key),
                    "v": b64(m.value),
                    "h": [[k, b64(v)] for k, v in (m.headers or [])],
                }))
                out.write("\n")
    consumer.close()
    out.flush()


if __name__ == "__main__":
    main()
