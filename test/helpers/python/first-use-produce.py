"""Produces `count` values ("<topic>-<i>") to a topic with a client's default producer settings, as a
new user would, and prints one JSON line: {"ok": true, "offsets": [[partition, offset], ...]} or
{"ok": false, "error": "<what the client reported>"}. Exits 0 either way; the test judges.

usage: first-use-produce.py confluent|kafka-python <bootstrap> <topic> <count>

Only the timeouts are shortened, so a refused topic is reported in seconds instead of minutes:
librdkafka's topic.metadata.propagation.max.ms (how long an unknown topic may take to appear) and
kafka-python's max_block_ms (how long send() waits for the topic's metadata).
"""
import json
import sys


def confluent(bootstrap, topic, values):
    from confluent_kafka import Producer

    producer = Producer({
        "bootstrap.servers": bootstrap,
        "topic.metadata.propagation.max.ms": 2000,
        "message.timeout.ms": 30000,
    })
    offsets, errors = [], []

    def delivered(err, msg):
        if err is not None:
            errors.append("%s: %s" % (err.name(), err.str()))
        else:
            offsets.append([msg.partition(), msg.offset()])

    for v in values:
        producer.produce(topic, value=v.encode(), on_delivery=delivered)
    producer.flush(30)
    return offsets, errors


def kafka_python(bootstrap, topic, values):
    from kafka import KafkaProducer
    from kafka.errors import KafkaError

    producer = KafkaProducer(bootstrap_servers=bootstrap, max_block_ms=5000)
    # send() reports only a metadata timeout; what the broker answered reaches the cluster
    # metadata's failed_update, so record it there.
    reported = []
    cluster = producer._metadata
    failed_update = cluster.failed_update

    def record(exc):
        reported.append("%s: %s" % (getattr(exc, "message", type(exc).__name__), exc))
        return failed_update(exc)

    cluster.failed_update = record
    offsets, errors = [], []
    try:
        futures = [producer.send(topic, value=v.encode()) for v in values]
        for f in futures:
            meta = f.get(timeout=30)
            offsets.append([meta.partition, meta.offset])
    except KafkaError as err:
        errors.extend(reported[:1] or [type(err).__name__ + ": " + str(err)])
    producer.close(timeout=5)
    return offsets, errors


def main():
    client, bootstrap, topic, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    values = ["%s-%d" % (topic, i) for i in range(count)]
    offsets, errors = (confluent if client == "confluent" else kafka_python)(bootstrap, topic, values)
    if errors:
        print(json.dumps({"ok": False, "error": errors[0]}))
    else:
        print(json.dumps({"ok": True, "offsets": offsets}))


if __name__ == "__main__":
    main()
