/**
 * Every limit and default of the SmartModule runtime, with its unit last and a one-line reason.
 */
export {};

// ---- ABI v1 layout (sdk/ABI.md): fixed by the ABI, not tunable ----
/** A batch's record count, a record's header count and every length prefix are 4-byte integers. */
export const ABI_COUNT_BYTES = 4;
/** The smallest record: offset (8) and timestamp (8), null key and value (4 + 4), header count (4). */
export const ABI_RECORD_MIN_BYTES = 28;
/** The smallest header: an empty key (4) and a null value (4). */
export const ABI_HEADER_MIN_BYTES = 8;
/** The smallest param: an empty name (4) and an empty value (4). */
export const ABI_PARAM_MIN_BYTES = 8;

// ---- ABI, loader, instance, registry (runtime/abi, module-loader, instance, registry) ----
/** ABI version this host implements (sdk/ABI.md); a module reporting another is refused. */
export const ABI_VERSION = 1;
/** Largest module binary accepted (core module or component); AssemblyScript modules are tens of KiB, Rust ones a few hundred, a JavaScript component (an engine inside) about 12 MB. */
export const MODULE_MAX_BYTES = 16 * 1024 * 1024;
/** Largest guest memory maximum a module may declare; bounds what one instance can take from the host. */
export const MODULE_MEMORY_MAX_BYTES = 64 * 1024 * 1024;
/** WebAssembly page size, fixed by the spec. */
export const WASM_PAGE_BYTES = 65536;
/** Largest encoded input batch handed to one guest call; 4096 records of 1 KiB fit with room to spare. */
export const INPUT_BATCH_MAX_BYTES = 16 * 1024 * 1024;
/** Largest encoded output batch a guest call may return; an array_map may fan out, but not without bound. */
export const OUTPUT_BATCH_MAX_BYTES = 16 * 1024 * 1024;
/** Free batch buffers one pipeline keeps (BatchBuffers): its input and the output that comes back, one batch in flight; a reused buffer costs no page faults. */
export const BATCH_BUFFERS_KEPT_MAX = 4;
/** Bytes of free batch buffers one pipeline keeps, all together; past it the oldest go to the GC. */
export const BATCH_BUFFERS_KEPT_MAX_BYTES = 32 * 1024 * 1024;
/** Smallest batch buffer BatchBuffers allocates; sizes are rounded up to a power of two from here so that batches of nearby sizes share buffers. */
export const BATCH_BUFFER_MIN_BYTES = 4096;
/** Largest aggregate state carried between batches; the host checkpoints it with the offsets. */
export const AGGREGATE_STATE_MAX_BYTES = 4 * 1024 * 1024;
/** Largest encoded params (key=value pairs given at attach time). */
export const PARAMS_MAX_BYTES = 64 * 1024;
/** Largest guest error message kept; longer ones are cut so a hostile guest cannot flood logs. */
export const GUEST_ERROR_MESSAGE_MAX_BYTES = 4096;
/** Largest guest log message kept (sluice.log); longer ones are cut. */
export const GUEST_LOG_MESSAGE_MAX_BYTES = 4096;
/** Guest log calls honoured per guest call; the rest are counted and dropped. */
export const GUEST_LOG_CALLS_MAX_PER_BATCH = 64;
/** Upper bound on the records a batch header may claim, checked before decoding allocates anything. */
export const BATCH_RECORDS_MAX = 1_000_000;
/** Headers per record a decoder accepts; Kafka has no limit, this stops a hostile count from allocating. */
export const RECORD_HEADERS_MAX = 10_000;
/** Target for ModuleInstance.create (instantiate + init): a module attached to a pipeline starts within it (the runtime bench checks it). */
export const INSTANTIATE_TARGET_MS = 5;
/** Time a module's start function may take when the loader probes its ABI version and kind; generous because starting the probe worker alone can take a second on a loaded machine. */
export const LOAD_PROBE_DEADLINE_MS = 5000;
/** Heap of the loader's probe worker; it only instantiates the module once. */
export const LOAD_PROBE_HEAP_MB = 16;
/** First size of the per-thread buffer an input is staged in when its guest address is not 8-aligned; it doubles as needed. */
export const INSTANCE_STAGING_INITIAL_BYTES = 64 * 1024;
/** Module names in the registry: short, path-safe, no leading dot. */
export const MODULE_NAME_MAX_CHARS = 128;

// ---- sandbox (runtime/sandbox, runtime/error-policy.ts) ----
/** Worker threads in a sandbox pool; two cores, and one stuck module must not stall the others. */
export const SANDBOX_THREADS_DEFAULT = 2;
/** Batches waiting for a free worker before run() rejects; bounds host memory held by queued input. */
export const SANDBOX_QUEUE_MAX_BATCHES = 256;
/** Taken slots at the front of the task queue's array before it is compacted (once they are also half of it): one copy per this many batches at most. */
export const SANDBOX_QUEUE_COMPACT_MIN_COUNT = 1024;
/** Deadline of one guest call, counted from dispatch to a worker; a batch of 4096 records takes a few ms. */
export const SANDBOX_DEADLINE_MS_DEFAULT = 1000;
/** V8 old-generation heap of one worker: the worker's own JS only (guest memory is bounded by the module maximum). */
export const SANDBOX_WORKER_OLD_GENERATION_MB = 64;
/** V8 young-generation heap of one worker. */
export const SANDBOX_WORKER_YOUNG_GENERATION_MB = 16;
/** Stack of one worker; deep guest recursion traps instead of growing the host's stack. */
export const SANDBOX_WORKER_STACK_MB = 4;
/** Module keys (module, params, limits) a sandbox pool remembers, each with a small id and a mean call time; past it the least recently used is forgotten and its next call brings its module to the worker again. */
export const SANDBOX_MODULE_KEYS_MAX_COUNT = 1024;
/** Instances cached per worker (one per module and params); least recently used are dropped first. */
export const SANDBOX_WORKER_INSTANCES_MAX = 64;
/** Time close() waits for running batches before the workers are terminated. */
export const SANDBOX_CLOSE_TIMEOUT_MS = 5000;
/** Shared-memory mailbox of one worker (input, then output, in place); a batch of 4096 100-byte records fits. Larger batches travel as transferred buffers. */
export const SANDBOX_MAILBOX_BYTES = 2 * 1024 * 1024;
/** An input at least this large that owns its whole buffer is transferred to the worker, not copied into the mailbox: below it the copy is cheaper than the message. */
export const SANDBOX_TRANSFER_MIN_BYTES = 64 * 1024;
/** A worker polls its mailbox this long after a batch when batches come back to back (a wake-up costs more than a short batch); the CPU it may spend waiting per batch. */
export const SANDBOX_MAILBOX_SPIN_US = 250;
/** After its poll a worker blocks on the mailbox (fast to wake) until this long after its last batch, then sleeps on its event loop (no CPU, slower to wake). */
export const SANDBOX_MAILBOX_WARM_MS = 50;
/** In its synchronous wait the host polls for twice the module's mean call time plus this, then blocks: a short batch comes back with no wake-up. */
export const SANDBOX_HOST_SPIN_US = 20;
/** Longest the host's event loop waits synchronously for a call expected to be this short (nothing else waiting for a worker); about what running it inline would hold. */
export const SANDBOX_HOST_SYNC_WAIT_US = 1000;
/**
 * Polling stops while other processes' load (poll-gate.ts) exceeds this per core: a polling thread
 * then takes the time slice the thread it waits for needs. Above 1 because this process's own
 * share is only estimated (it misses time spent waiting for a core).
 */
export const SANDBOX_POLL_MAX_OTHERS_LOAD_PER_CORE = 1.5;
/** How often the load average behind SANDBOX_POLL_MAX_OTHERS_LOAD_PER_CORE is read again. */
export const SANDBOX_POLL_LOAD_CHECK_MS = 1000;
/** Weight of the newest call in a module's running mean call time (decides sync or async wait). */
export const SANDBOX_CALL_TIME_EWMA_WEIGHT = 0.25;
/** Loads of the mailbox between two clock reads while polling: a clock read costs far more than a load and, unoptimised, allocates. */
export const SANDBOX_SPIN_CLOCK_EVERY = 64;
/** A busy worker returns to its event loop at least this often, so V8's GC tasks run. */
export const SANDBOX_MAILBOX_YIELD_MS = 2;
/** Timeout of one sleep on the mailbox; the worker re-checks and sleeps again (a notify wakes it at once). */
export const SANDBOX_MAILBOX_SLEEP_MS = 1000;

// ---- components (runtime/component, sdk/wit) ----
/** Largest header of a transpiled component (file names and sizes, transpiled.ts). */
export const TRANSPILED_HEADER_MAX_BYTES = 64 * 1024;
/**
 * Memory maximum imposed on a component's core modules. Above MODULE_MEMORY_MAX_BYTES: a
 * JavaScript component's engine (SpiderMonkey) grows its heap before it collects, to about
 * 85 MB on batches of 1024 records, and traps when it cannot grow (bench/results/components.md).
 */
export const COMPONENT_MEMORY_MAX_BYTES = 256 * 1024 * 1024;
