/** The broker's admin API (on its Kafka port) as the benches use it: JSON in, JSON out, errors thrown. */
export async function adminRequest(port: number, method: string, urlPath: string, body?: Uint8Array | object): Promise<unknown> {
  const init: RequestInit = { method };
  if (body instanceof Uint8Array) init.body = new Blob([body as Uint8Array<ArrayBuffer>]);
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const res = await fetch(`http://127.0.0.1:${port}${urlPath}`, init);
  const answer: unknown = await res.json();
  if (!res.ok) throw new Error(`${method} ${urlPath}: ${res.status} ${JSON.stringify(answer)}`);
  return answer;
}
