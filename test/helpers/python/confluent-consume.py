"""Reads every record of a topic with confluent-kafka-python (librdkafka) assign() from the beginning,
until each partition's position reaches the high watermark it had at the start, and prints one JSON
line per record: partition, offset, timestamp, and base64 key/value/headers (null stays null).
Positions past gaps (a view's dropped records, transaction markers) count: the consumer must get there.

usage: confluent-consume.py <bootstrap> <topic> <partitions> <timeout_s>
"""
import base64
import json
import sys
import time

from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING


def b64(data):
    return None if data is None else base64.b64encode(data).decode("ascii")


def main():
    bootstrap, topic, partitions, timeout_s = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "confluent-consume",
        "enable.auto.commit": False,
        "check.crcs": True,
        "fetch.wait.max.ms": 100,
    })
    tps = [TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)]
    consumer.assign(tps)
    end = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in range(partitions)}
    deadline = time.time() + timeout_s
    out = sys.stdout

    def behind():
        positions = {tp.partition: tp.offset for tp in consumer.position([TopicPartition(topic, p) for p in range(partitions)])}
        # A position below 0 is "not fetched yet".
        return [p for p in range(partitions) if end[p] > 0 and positions[p] < end[p]], positions

    while True:
        lagging, positions = behind()
        if not lagging:
            break
        if time.time() > deadline:
            sys.stderr.write("timed out; positions %s end %s\n" % (positions, end))
            sys.exit(3)
        m = consumer.poll(0.2)
        if m is None:
            continue
        if m.error():
            sys.stderr.write("consumer error: %s\n" % m.error())
            sys.exit(4)
        out.write(json.dumps({
            "p": m.partition(),
            "o": m.offset(),
            "t": m.timestamp()[1],
            "k": b64(m.key()),
            "v": b64(m.value()),
            "h": [[k, b64(v)] for k, v in (m.headers() or [])],
        }))
        out.write("\n")
    consumer.close()
    out.flush()


if __name__ == "__main__":
    main()
