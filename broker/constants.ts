/**
 * Every limit and default of the broker, with its unit last and a one-line reason.
 * Sections are owned by the part named above them; add to your own section.
 */

// ---- network / protocol ----
/** Largest request frame accepted; matches Kafka's socket.request.max.bytes default. */
export const REQUEST_MAX_BYTES = 100 * 1024 * 1024;
/** Largest records section a compressed batch may inflate to when we must look inside; stops zip bombs. */
export const RECORD_BATCH_DECOMPRESSED_MAX_BYTES = 64 * 1024 * 1024;

// ---- server (broker/server, broker/broker.ts, broker/config.ts) ----
/** Listen on loopback unless told otherwise: an embedded broker should not be reachable by accident. */
export const BROKER_DEFAULT_HOST = '127.0.0.1';
/** The port Kafka clients try first. */
export const BROKER_DEFAULT_PORT = 9092;
/** A single-node cluster; ids only need to be stable across restarts. */
export const BROKER_DEFAULT_NODE_ID = 1;
/** Open client connections; each costs buffers and file descriptors. */
export const CONNECTIONS_MAX_COUNT = 1024;
/** Requests decoded but not yet answered on one connection; beyond it the socket is paused. */
export const CONNECTION_IN_FLIGHT_MAX_COUNT = 64;
/** Smallest valid frame: api key, api version, correlation id and a null client id. */
export const REQUEST_HEADER_MIN_BYTES = 10;
/** Upper bound for a fetch long poll, whatever the client asks: keeps shutdown and tests bounded. */
export const FETCH_MAX_WAIT_MS = 30_000;
/** How long shutdown waits for in-flight requests before closing sockets anyway. */
export const SHUTDOWN_DRAIN_TIMEOUT_MS = 10_000;
/** After the last answers are sent, how long shutdown waits for clients to close their side. */
export const SHUTDOWN_SOCKET_LINGER_MS = 500;
/** Byte runs of a response at least this long (fetched record batches) go to the socket by reference, not copied into the frame. */
export const RESPONSE_SPLICE_MIN_BYTES = 16 * 1024;
/** A response frame is written in pieces of at most this many of its own bytes: a 16 MiB fetch answer never grows one buffer by doubling. */
export const RESPONSE_PIECE_MAX_BYTES = 256 * 1024;
/** Answer bytes handed to one socket per event-loop turn: the kernel's copy of them is synchronous. */
export const RESPONSE_WRITE_TURN_MAX_BYTES = 1024 * 1024;
/** How often the broker checks whether its log was fenced, to exit instead of refusing writes forever. */
export const FENCED_POLL_INTERVAL_MS = 500;

// ---- storage ----
/** Name start of in-flight temporary files in the local store; keys may not use it, list never shows it. */
export const LOCAL_STORE_TEMP_PREFIX = '.sluice-tmp-';
/** Directory handles the local store keeps open to fsync them: a flush writes to two directories, a few more cover checkpoints, the registry and deletes. */
export const LOCAL_STORE_DIR_HANDLES_MAX_COUNT = 8;
/** Object files the local store keeps open for ranged reads (a chunk read is then one pread, not open, fstat, read and close); one descriptor each. */
export const LOCAL_STORE_READ_HANDLES_MAX_COUNT = 64;
/** Longest object key: S3's limit, so a key that works locally also works on S3. */
export const OBJECT_KEY_MAX_BYTES = 1024;
/** SDK attempts for idempotent S3 calls (get, put, list, delete); putIfAbsent gets exactly one so a lost reply surfaces. */
export const S3_MAX_ATTEMPTS = 3;
/** Keys per ListObjectsV2 page: the S3 maximum, fewest round trips. */
export const S3_LIST_PAGE_MAX_KEYS = 1000;
/** Per-request S3 timeout; a hung request must become a retriable error, not a stuck flush. */
export const S3_REQUEST_TIMEOUT_MS = 30_000;
/** Concurrent sockets to S3; segment PUTs and ranged GETs run in parallel. */
export const S3_MAX_SOCKETS = 64;
/** Default byte budget of the read cache of immutable objects. */
export const READ_CACHE_DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
/** Attempts per store call (RetryingStore) before a flush fails with a retriable error to the producers. */
export const STORE_RETRY_MAX_COUNT = 5;
/** First backoff between store attempts; doubles each time. */
export const STORE_RETRY_BASE_MS = 5;
/** Longest single backoff between store attempts: keeps a failing flush well under client timeouts. */
export const STORE_RETRY_MAX_MS = 200;

// ---- logging and metrics (broker/logger.ts, broker/metrics.ts) ----
/** Logs at info unless SLUICE_LOG_LEVEL or config asks otherwise: start, stop, fencing, bad connections. */
export const LOG_DEFAULT_LEVEL = 'info';
/** The metrics endpoint listens on loopback unless told otherwise: it is not meant for the world. */
export const METRICS_DEFAULT_HOST = '127.0.0.1';
/** Resolution of the event-loop delay histogram: fine enough to see a 2 ms stall. */
export const EVENT_LOOP_MONITORING_PRECISION_MS = 1;

// ---- log ----
/** Flush the append buffer at this size: at full load one segment PUT + one manifest entry per flush, and flushes reach ~80% of the bound, so 16 MiB keeps it under 256 writes per GiB. */
export const LOG_FLUSH_MAX_BYTES = 16 * 1024 * 1024;
/** Flush at most this long after the first pending append: the latency a local-disk produce pays for batching. */
export const LOG_FLUSH_INTERVAL_MS = 5;
/** S3 profile: PUTs cost money and ~20-50 ms each, so fewer, larger segments. */
export const LOG_S3_FLUSH_MAX_BYTES = 16 * 1024 * 1024;
/** S3 profile: a quarter second of batching keeps PUTs per GiB low at modest rates. */
export const LOG_S3_FLUSH_INTERVAL_MS = 250;
/** Flushes in flight at once on a local disk: one, because a second one's segment fsync entangles with the first one's entry fsync (one journal) and measured no faster, with more CPU (two arenas). */
export const LOG_FLUSHES_IN_FLIGHT_MAX_COUNT = 1;
/** S3 profile: two flushes in flight, so a 16 MiB PUT (tens to hundreds of ms) does not hold up the next; entries still commit in order. */
export const LOG_S3_FLUSHES_IN_FLIGHT_MAX_COUNT = 2;
/** Appends acknowledged per event-loop turn after a flush commits: between chunks I/O callbacks run, so the next segment's write does not wait for a thousand producers' next appends. */
export const LOG_ACK_CHUNK_COUNT = 64;
/** Bytes buffered (not counting the flushes in flight) before appends wait: bounds memory under a slow store. */
export const LOG_BUFFER_MAX_BYTES = 64 * 1024 * 1024;
/** Appends buffered before new ones wait: bounds promises and index entries per flush. */
export const LOG_PENDING_APPENDS_MAX_COUNT = 50_000;
/** Metadata operations (commits, topic changes) per manifest entry: keeps an entry far below its byte bound. */
export const LOG_FLUSH_MAX_OPS_COUNT = 4096;
/** Largest segment object; a flush never exceeds it (flush bound + one max-size batch stays below). */
export const LOG_SEGMENT_MAX_BYTES = 64 * 1024 * 1024;
/** Largest manifest entry; recovery reads every entry after the checkpoint, so they must stay small. */
export const LOG_MANIFEST_ENTRY_MAX_BYTES = 4 * 1024 * 1024;
/** Bytes of recently flushed segments kept in memory so tailing consumers never GET. */
export const LOG_TAIL_CACHE_MAX_BYTES = 64 * 1024 * 1024;
/**
 * Bytes of chunks read from the bucket kept until a read of their partition starts past them
 * (tail-cache.ts): room for a derived topic's 4 MiB read windows (PIPELINE_READ_MAX_BYTES) on 8
 * partitions at once.
 */
export const LOG_READ_RESUME_CACHE_MAX_BYTES = 32 * 1024 * 1024;
/** Chunk GETs one partition read has in flight at once (a read spans many small chunks). */
export const LOG_READ_CHUNKS_IN_FLIGHT_MAX = 8;
/** Write a checkpoint every this many manifest entries so recovery replays at most this many. */
export const LOG_CHECKPOINT_INTERVAL_ENTRIES = 128;
/** Interval of the retention, compaction and garbage collection pass. */
export const LOG_MAINTENANCE_INTERVAL_MS = 30_000;
/** Compact a partition once it has at least this many small chunks in a row. */
export const LOG_COMPACT_MIN_CHUNKS_COUNT = 8;
/** A chunk smaller than this is worth merging with its neighbours. */
export const LOG_COMPACT_SMALL_CHUNK_BYTES = 1024 * 1024;
/** Size of one compacted per-partition object: few GETs for a cold read, bounded memory while merging. */
export const LOG_COMPACT_TARGET_BYTES = 16 * 1024 * 1024;
/** Manifest entries fetched in parallel during recovery: S3 GETs take tens of ms each. */
export const LOG_RECOVERY_FETCH_CONCURRENCY_COUNT = 16;
/** How often an idle broker looks for a newer broker's manifest entry, so it learns it is fenced without writing. */
export const LOG_FENCE_CHECK_INTERVAL_MS = 1000;
/** Tries to claim the next broker epoch while other brokers keep taking the sequence number first: a manifest that moves this often at startup is broken, not busy. */
export const LOG_EPOCH_CLAIM_ATTEMPTS_MAX_COUNT = 1000;
/** (producer, partition) states kept for idempotence; the oldest is forgotten first (its producer then gets a sequence error). */
export const LOG_PRODUCER_STATES_MAX_COUNT = 10_000;
/** Batches per (producer, partition) remembered for duplicate detection: Kafka's max.in.flight for idempotence. */
export const LOG_PRODUCER_DEDUP_BATCHES_COUNT = 5;
/** Longest topic name: Kafka's limit (file names of partition directories). */
export const TOPIC_NAME_MAX_LENGTH = 249;
/** Partitions per topic: every partition costs index memory and manifest bytes. */
export const TOPIC_PARTITIONS_MAX_COUNT = 1024;
/** Default largest record batch: Kafka's message.max.bytes default. */
export const TOPIC_MAX_MESSAGE_BYTES_DEFAULT = 1024 * 1024 + 12;
/** Default time retention: Kafka's log.retention.hours of 7 days. */
export const TOPIC_RETENTION_MS_DEFAULT = 7 * 24 * 3600 * 1000;
/** Default byte retention: unbounded, as in Kafka. */
export const TOPIC_RETENTION_BYTES_DEFAULT = -1;

// ---- groups / producers ----
/** Members per consumer group; Kafka's group.max.size is unbounded, we are not. */
export const GROUP_MEMBERS_MAX_COUNT = 1000;
/** Non-empty groups held in memory; an empty group's state lives only in its committed offsets. */
export const GROUPS_MAX_COUNT = 10_000;
/** Shortest session timeout a member may ask for; Kafka's group.min.session.timeout.ms is 6 s, lower helps tests. */
export const GROUP_MIN_SESSION_TIMEOUT_MS = 1_000;
/** Longest session timeout a member may ask for: Kafka's group.max.session.timeout.ms. */
export const GROUP_MAX_SESSION_TIMEOUT_MS = 1_800_000;
/** Wait after the first member joins an empty group, so members starting together share one rebalance. */
export const GROUP_INITIAL_REBALANCE_DELAY_MS = 100;
/** Size of a group protocol metadata or assignment blob; real assignors send a few KiB. */
export const GROUP_MEMBER_METADATA_MAX_BYTES = 1024 * 1024;
/** Metadata string stored with a committed offset: Kafka's offset.metadata.max.bytes. */
export const OFFSET_METADATA_MAX_BYTES = 4096;

// ---- codecs (broker/protocol/codecs): looking inside compressed batches ----
/** Inflated bytes a produce request's recompression holds at once: a request of many batches that each inflate near RECORD_BATCH_DECOMPRESSED_MAX_BYTES is recompressed a few batches at a time. */
export const RECOMPRESS_INFLATED_IN_FLIGHT_MAX_BYTES = 64 * 1024 * 1024;
/** Largest zstd window accepted: the decoder allocates the window of a frame of unknown size, and one past what records may inflate to is never needed. */
export const CODEC_ZSTD_WINDOW_MAX_BYTES = RECORD_BATCH_DECOMPRESSED_MAX_BYTES;
/** Snappy blocks declaring fewer bytes inflate in JS: a native call (~4 µs) costs more than their work, and a batch of many tiny xerial chunks would cost seconds. */
export const CODEC_SNAPPY_NATIVE_MIN_BYTES = 4096;

// ---- SmartModules on the record path (broker/smartmodules, broker/admin) ----
/** Attachments (views and produce checks) in one cluster: each holds a module instance per sandbox worker. */
export const ATTACHMENTS_MAX_COUNT = 256;
/** Kafka-to-ABI spans up to this long are copied four bytes at a time, longer ones through a subarray: a ~100-byte object per span, once most of what the broker allocated per record. */
export const SPAN_WORD_COPY_MAX_BYTES = 128;
/** Records handed to a module in one call by a view: ~40 µs of a filter's time, one sandbox crossing per thousand records. */
export const VIEW_CALL_MAX_RECORDS = 1024;
/** Source bytes packed into one view call, and ABI bytes its worker makes of them: bounds the copy on the event loop and the module's batch. */
export const VIEW_CALL_MAX_BYTES = 1024 * 1024;
/** Compressed batches a sandbox worker keeps inflated after a call stopped inside one, so that the next call over it (views, derived steps) does not inflate it again. */
export const CONVERTER_INFLATED_BATCHES_MAX_COUNT = 4;
/** Inflated bytes a worker keeps so: one batch of the largest size a batch may inflate to. */
export const CONVERTER_INFLATED_BATCHES_MAX_BYTES = RECORD_BATCH_DECOMPRESSED_MAX_BYTES;
/** Source bytes one fetch may scan per view partition: a filter that keeps nothing still answers within a bounded time. */
export const VIEW_FETCH_SCAN_MAX_BYTES = 16 * 1024 * 1024;
/** Source bytes read from the log at a time while a view scans. */
export const VIEW_SOURCE_READ_MAX_BYTES = 1024 * 1024;
/** Extra module calls a view may spend per failed call to find the records that fail (skip policy); past it the rest of the call is skipped whole. */
export const VIEW_ISOLATE_CALLS_MAX = 32;
/** Deadline of one module call on the record path: a stuck module costs its own reader this long, then its worker is replaced. */
export const ATTACHMENT_CALL_DEADLINE_MS = 1000;
/** Module calls of one attachment running at once: a stuck module holds at most one sandbox worker. */
export const ATTACHMENT_CALLS_IN_FLIGHT_MAX = 1;
/** Calls of one attachment waiting for its turn; past it a read or produce is told to retry. */
export const ATTACHMENT_CALLS_QUEUED_MAX = 64;
/** Largest output of one module call on the record path (ABI bytes). */
export const ATTACHMENT_OUTPUT_MAX_BYTES = 16 * 1024 * 1024;
/** Module binaries kept compiled in the broker, least recently used dropped first. */
export const ATTACHMENT_MODULES_LOADED_MAX = 64;
/** Latest call latencies kept per attachment for the p50 / p99 that status reports. */
export const ATTACHMENT_LATENCY_SAMPLES_COUNT = 1024;
/** Rejected records a produce check names in record_errors; the rest are counted in the message. */
export const PRODUCE_CHECK_RECORD_ERRORS_MAX = 100;
/**
 * The broker's sandbox never waits for a module synchronously: every connection shares its event
 * loop (docs/sandbox.md, "In the broker").
 */
export const BROKER_SANDBOX_HOST_SYNC_WAIT_US = 0;
/** Largest JSON body the admin API accepts (attach requests); module binaries are bounded by MODULE_MAX_BYTES. */
export const ADMIN_JSON_BODY_MAX_BYTES = 64 * 1024;

// ---- derived topics (broker/pipelines) ----
/** Source records one pipeline step reads, runs through its chain and commits: one manifest entry per step. */
export const PIPELINE_STEP_MAX_RECORDS = 4096;
/** ABI bytes of one step's input: bounds the memory a step holds and the JavaScript work between two event-loop turns. */
export const PIPELINE_STEP_MAX_BYTES = 4 * 1024 * 1024;
/** Source bytes read from the log for one step. */
export const PIPELINE_READ_MAX_BYTES = 4 * 1024 * 1024;
/** Steps of one pipeline partition held before they are durable (being written, or computed): bounds its memory; a slow store or module slows only its pipeline. */
export const PIPELINE_UNCOMMITTED_STEPS_MAX = 4;
/** How long a caught-up pipeline partition waits for new source records before looking again. */
export const PIPELINE_IDLE_WAIT_MS = 1000;
/** First wait after a step could not be committed (storage, fencing, in doubt); doubles up to the max. */
export const PIPELINE_RETRY_BASE_MS = 50;
/** Longest wait between attempts at a step. */
export const PIPELINE_RETRY_MAX_MS = 5000;
/** An aggregate state up to this size is kept inline in the manifest entry; a larger one is an object of its own. */
export const PIPELINE_STATE_INLINE_MAX_BYTES = 8 * 1024;
/** Extra module calls a step may spend finding the records its chain fails on (skip, dead-letter); past it the rest is treated whole. */
export const PIPELINE_ISOLATE_CALLS_MAX = 64;
/** Output bytes (derived records and dead letters) one step commits: a step whose output is larger is run again over fewer records. */
export const PIPELINE_STEP_OUTPUT_MAX_BYTES = 24 * 1024 * 1024;
/** A derived topic's max.message.bytes: one module call's largest output fits one batch, so no output record is ever too large to store. */
export const DERIVED_TOPIC_MAX_MESSAGE_BYTES = 16 * 1024 * 1024 + 64 * 1024;
/** How often the broker looks for pipelines to start, stop or restart (a source that grew through CreatePartitions). */
export const PIPELINE_REFRESH_INTERVAL_MS = 1000;
