/**
 * Every limit and default of the broker, with its unit last and a one-line reason.
 * Sections are owned by the part named above them; add to your own section.
 */

// ---- network / protocol ----
/** Largest request frame accepted; matches Kafka's socket.request.max.bytes default. */
export const REQUEST_MAX_BYTES = 100 * 1024 * 1024;

// ---- storage ----

// ---- log ----

// ---- groups / producers ----
