"""Produces JSON-line records from stdin with confluent-kafka-python (librdkafka) and exits non-zero if any
delivery failed. Each input line: {"p": partition, "t": timestamp_ms, "k": b64|null, "v": b64|null,
"h": [[name, b64], ...]}. Prints one line per record in input order: "<partition> <offset>".

usage: confluent-produce.py <bootstrap> <topic> <compression> [idempotent]
"""
import base64
import json
import sys

from confluent_kafka import Producer


def unb64(data):
    return None if data is None else base64.b64decode(data)


def main():
    bootstrap, topic, compression = sys.argv[1], sys.argv[2], sys.argv[3]
    idempotent = len(sys.argv) > 4 and sys.argv[4] == "idempotent"
    producer = Producer({
        "enable.idempotence": idempotent,
        "bootstrap.servers": bootstrap,
        "compression.type": compression,
        "acks": "all",
        "linger.ms": 10,
        # One request in flight keeps per-partition order even if a request is retried (idempotence allows 5).
        "max.in.flight.requests.per.connection": 5 if idempotent else 1,
        "message.timeout.ms": 60000,
    })
    records = [json.loads(line) for line in sys.stdin if line.strip()]
    offsets = [None] * len(records)
    errors = []

    def delivered(index):
        def callback(err, msg):
            if err is not None:
                errors.append("%d: %s" % (index, err))
            else:
                offsets[index] = (msg.partition(), msg.offset())
        return callback

    for i, r in enumerate(records):
        while True:
            try:
                producer.produce(
                    topic,
                    value=unb64(r["v"]),
                    key=unb64(r["k"]),
                    partition=r["p"],
                    timestamp=r["t"],
                    headers=[(name, unb64(value)) for name, value in r["h"]],
                    on_delivery=delivered(i),
                )
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    remaining = producer.flush(60)
    if remaining or errors:
        sys.stderr.write("undelivered %d, errors %s\n" % (remaining, errors[:10]))
        sys.exit(2)
    for partition, offset in offsets:
        sys.stdout.write("%d %d\n" % (partition, offset))


if __name__ == "__main__":
    main()
