"""Admin calls through librdkafka, printed as one JSON line: {"ok": ..result..} or
{"error": {"code": n, "name": "...", "message": "..."}}. Exits 0 either way; the test judges.

confluent-kafka-python 1.7 (Debian bookworm) wraps CreateTopics, CreatePartitions, AlterConfigs and
DescribeConfigs in its AdminClient; DeleteRecords, DeleteGroups and DeleteConsumerGroupOffsets came
to the binding later, but the librdkafka 2.0 it runs on has them, so those are called on the same
library through ctypes, exactly as the binding's later versions do.

usage: confluent-admin.py <bootstrap> <command> args...
  create-topic <topic> <partitions> [name=value ...]
  create-partitions <topic> <total> [validate]
  alter-configs <topic> [validate] [name=value ...]
  describe-configs <topic>
  delete-records <topic> <partition> <offset>
  delete-groups <group> ...
  delete-offsets <group> <topic> <partition> ...
"""
import ctypes
import json
import sys

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

TIMEOUT_S = 20


def out(value):
    print(json.dumps(value))


def kafka_error(err):
    return {"error": {"code": err.code(), "name": err.name(), "message": err.str()}}


def one_future(futures):
    (future,) = futures.values()
    try:
        return {"ok": future.result(timeout=TIMEOUT_S)}
    except KafkaException as e:
        return kafka_error(e.args[0])


def pairs(args):
    return dict(a.split("=", 1) for a in args if "=" in a)


def binding(bootstrap, command, args):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    if command == "create-topic":
        topic = NewTopic(args[0], num_partitions=int(args[1]), replication_factor=1, config=pairs(args[2:]))
        result = one_future(admin.create_topics([topic], request_timeout=TIMEOUT_S))
    elif command == "create-partitions":
        validate = "validate" in args[2:]
        result = one_future(admin.create_partitions([NewPartitions(args[0], int(args[1]))], validate_only=validate, request_timeout=TIMEOUT_S))
    elif command == "alter-configs":
        resource = ConfigResource("topic", args[0], set_config=pairs(args[1:]))
        result = one_future(admin.alter_configs([resource], validate_only="validate" in args[1:], request_timeout=TIMEOUT_S))
        if "ok" in result:
            result["ok"] = None
    else:
        resource = ConfigResource("topic", args[0])
        result = one_future(admin.describe_configs([resource], request_timeout=TIMEOUT_S))
        if "ok" in result:
            result["ok"] = {name: entry.value for name, entry in result["ok"].items()}
    out(result)


# ---- the same librdkafka through ctypes ----

class TopicPartition(ctypes.Structure):
    _fields_ = [
        ("topic", ctypes.c_char_p),
        ("partition", ctypes.c_int32),
        ("offset", ctypes.c_int64),
        ("metadata", ctypes.c_void_p),
        ("metadata_size", ctypes.c_size_t),
        ("opaque", ctypes.c_void_p),
        ("err", ctypes.c_int),
        ("_private", ctypes.c_void_p),
    ]


class TopicPartitionList(ctypes.Structure):
    _fields_ = [("cnt", ctypes.c_int), ("size", ctypes.c_int), ("elems", ctypes.POINTER(TopicPartition))]


lib = ctypes.CDLL("librdkafka.so.1")
P = ctypes.c_void_p
for name, restype, argtypes in [
    ("rd_kafka_conf_new", P, []),
    ("rd_kafka_conf_set", ctypes.c_int, [P, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]),
    ("rd_kafka_new", P, [ctypes.c_int, P, ctypes.c_char_p, ctypes.c_size_t]),
    ("rd_kafka_destroy", None, [P]),
    ("rd_kafka_queue_new", P, [P]),
    ("rd_kafka_queue_destroy", None, [P]),
    ("rd_kafka_queue_poll", P, [P, ctypes.c_int]),
    ("rd_kafka_event_type", ctypes.c_int, [P]),
    ("rd_kafka_event_error", ctypes.c_int, [P]),
    ("rd_kafka_event_error_string", ctypes.c_char_p, [P]),
    ("rd_kafka_event_destroy", None, [P]),
    ("rd_kafka_err2name", ctypes.c_char_p, [ctypes.c_int]),
    ("rd_kafka_err2str", ctypes.c_char_p, [ctypes.c_int]),
    ("rd_kafka_AdminOptions_new", P, [P, ctypes.c_int]),
    ("rd_kafka_AdminOptions_set_request_timeout", ctypes.c_int, [P, ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t]),
    ("rd_kafka_topic_partition_list_new", ctypes.POINTER(TopicPartitionList), [ctypes.c_int]),
    ("rd_kafka_topic_partition_list_add", ctypes.POINTER(TopicPartition), [P, ctypes.c_char_p, ctypes.c_int32]),
    ("rd_kafka_DeleteRecords_new", P, [P]),
    ("rd_kafka_DeleteRecords", None, [P, ctypes.POINTER(P), ctypes.c_size_t, P, P]),
    ("rd_kafka_event_DeleteRecords_result", P, [P]),
    ("rd_kafka_DeleteRecords_result_offsets", ctypes.POINTER(TopicPartitionList), [P]),
    ("rd_kafka_DeleteGroup_new", P, [ctypes.c_char_p]),
    ("rd_kafka_DeleteGroups", None, [P, ctypes.POINTER(P), ctypes.c_size_t, P, P]),
    ("rd_kafka_event_DeleteGroups_result", P, [P]),
    ("rd_kafka_DeleteGroups_result_groups", ctypes.POINTER(P), [P, ctypes.POINTER(ctypes.c_size_t)]),
    ("rd_kafka_DeleteConsumerGroupOffsets_new", P, [ctypes.c_char_p, P]),
    ("rd_kafka_DeleteConsumerGroupOffsets", None, [P, ctypes.POINTER(P), ctypes.c_size_t, P, P]),
    ("rd_kafka_event_DeleteConsumerGroupOffsets_result", P, [P]),
    ("rd_kafka_DeleteConsumerGroupOffsets_result_groups", ctypes.POINTER(P), [P, ctypes.POINTER(ctypes.c_size_t)]),
    ("rd_kafka_group_result_name", ctypes.c_char_p, [P]),
    ("rd_kafka_group_result_error", P, [P]),
    ("rd_kafka_group_result_partitions", ctypes.POINTER(TopicPartitionList), [P]),
    ("rd_kafka_error_code", ctypes.c_int, [P]),
    ("rd_kafka_error_string", ctypes.c_char_p, [P]),
]:
    fn = getattr(lib, name)
    fn.restype = restype
    fn.argtypes = argtypes

RD_KAFKA_PRODUCER = 0
RD_KAFKA_ADMIN_OP_ANY = 0


def code_error(code, message=None):
    return {"error": {"code": code, "name": lib.rd_kafka_err2name(code).decode(), "message": message or lib.rd_kafka_err2str(code).decode()}}


def partitions_of(tpl):
    lst = tpl.contents
    return [
        {"topic": lst.elems[i].topic.decode(), "partition": lst.elems[i].partition, "offset": lst.elems[i].offset, "error": lib.rd_kafka_err2name(lst.elems[i].err).decode()}
        for i in range(lst.cnt)
    ]


def groups_of(get_groups, result):
    cnt = ctypes.c_size_t()
    groups = get_groups(result, ctypes.byref(cnt))
    answer = []
    for i in range(cnt.value):
        g = groups[i]
        err = lib.rd_kafka_group_result_error(g)
        partitions = lib.rd_kafka_group_result_partitions(g)
        answer.append({
            "group": lib.rd_kafka_group_result_name(g).decode(),
            "error": None if not err else lib.rd_kafka_err2name(lib.rd_kafka_error_code(err)).decode(),
            "partitions": partitions_of(partitions) if partitions else [],
        })
    return answer


def through_ctypes(bootstrap, command, args):
    errstr = ctypes.create_string_buffer(512)
    conf = lib.rd_kafka_conf_new()
    lib.rd_kafka_conf_set(conf, b"bootstrap.servers", bootstrap.encode(), errstr, 512)
    rk = lib.rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, 512)
    if not rk:
        raise SystemExit("rd_kafka_new: " + errstr.value.decode())
    queue = lib.rd_kafka_queue_new(rk)
    options = lib.rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_ANY)
    lib.rd_kafka_AdminOptions_set_request_timeout(options, TIMEOUT_S * 1000, errstr, 512)

    if command == "delete-records":
        tpl = lib.rd_kafka_topic_partition_list_new(1)
        lib.rd_kafka_topic_partition_list_add(tpl, args[0].encode(), int(args[1])).contents.offset = int(args[2])
        request = (P * 1)(lib.rd_kafka_DeleteRecords_new(tpl))
        lib.rd_kafka_DeleteRecords(rk, request, 1, options, queue)
        read = lambda ev: partitions_of(lib.rd_kafka_DeleteRecords_result_offsets(lib.rd_kafka_event_DeleteRecords_result(ev)))
    elif command == "delete-groups":
        request = (P * len(args))(*[lib.rd_kafka_DeleteGroup_new(g.encode()) for g in args])
        lib.rd_kafka_DeleteGroups(rk, request, len(args), options, queue)
        read = lambda ev: groups_of(lib.rd_kafka_DeleteGroups_result_groups, lib.rd_kafka_event_DeleteGroups_result(ev))
    else:
        tpl = lib.rd_kafka_topic_partition_list_new(len(args) - 2)
        for p in args[2:]:
            lib.rd_kafka_topic_partition_list_add(tpl, args[1].encode(), int(p))
        request = (P * 1)(lib.rd_kafka_DeleteConsumerGroupOffsets_new(args[0].encode(), tpl))
        lib.rd_kafka_DeleteConsumerGroupOffsets(rk, request, 1, options, queue)
        read = lambda ev: groups_of(lib.rd_kafka_DeleteConsumerGroupOffsets_result_groups, lib.rd_kafka_event_DeleteConsumerGroupOffsets_result(ev))

    event = lib.rd_kafka_queue_poll(queue, (TIMEOUT_S + 5) * 1000)
    if not event:
        out(code_error(-185, "no result within the timeout"))
    else:
        code = lib.rd_kafka_event_error(event)
        if code != 0:
            out(code_error(code, (lib.rd_kafka_event_error_string(event) or b"").decode()))
        else:
            out({"ok": read(event)})
        lib.rd_kafka_event_destroy(event)
    lib.rd_kafka_queue_destroy(queue)
    lib.rd_kafka_destroy(rk)


def main():
    bootstrap, command, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if command in ("delete-records", "delete-groups", "delete-offsets"):
        through_ctypes(bootstrap, command, args)
    else:
        binding(bootstrap, command, args)


if __name__ == "__main__":
    main()
