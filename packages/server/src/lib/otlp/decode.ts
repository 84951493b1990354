/**
 * OTLP/HTTP trace requests (`ExportTraceServiceRequest`) in either encoding, as plain spans.
 * Protobuf is decoded by protobufjs from the OpenTelemetry project's own .proto files (vendored
 * in ./proto, turned into ./descriptor.ts); JSON follows the OTLP JSON mapping (ids as hex,
 * 64-bit integers as strings or numbers, enums as integers). Both come out the same shape, so
 * the mapping to sessions (services/otlp.ts) never knows which encoding arrived.
 */
import protobuf from 'protobufjs';
import { OTLP_DESCRIPTOR } from './descriptor.js';

/** An attribute value: OTLP's AnyValue as plain JavaScript (int64 beyond 2^53 loses precision). */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };
export type Attributes = Record<string, AttrValue>;

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** Epoch milliseconds (OTLP carries nanoseconds). */
  startMs: number;
  endMs: number;
  attributes: Attributes;
  resource: Attributes;
  events: Array<{ name: string; timeMs: number; attributes: Attributes }>;
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage: string;
}

const root = protobuf.Root.fromJSON(OTLP_DESCRIPTOR as unknown as protobuf.INamespace);
const Request = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
const Response = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
const RpcStatus = root.lookupType('google.rpc.Status');

/** Why a body could not be read: the route answers 400 with it. */
export class OtlpDecodeError extends Error {}

// The decoded message, loosely: protobufjs objects and parsed JSON share these camelCase names.
interface RawKeyValue {
  key?: string;
  value?: RawAnyValue | null;
}
interface RawAnyValue {
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: unknown;
  doubleValue?: number | null;
  arrayValue?: { values?: RawAnyValue[] | null } | null;
  kvlistValue?: { values?: RawKeyValue[] | null } | null;
  bytesValue?: unknown;
}
interface RawSpan {
  traceId?: unknown;
  spanId?: unknown;
  parentSpanId?: unknown;
  name?: string;
  startTimeUnixNano?: unknown;
  endTimeUnixNano?: unknown;
  attributes?: RawKeyValue[] | null;
  events?: Array<{ timeUnixNano?: unknown; name?: string; attributes?: RawKeyValue[] | null }> | null;
  status?: { code?: unknown; message?: string } | null;
}
interface RawRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: RawKeyValue[] | null } | null;
    scopeSpans?: Array<{ spans?: RawSpan[] | null }> | null;
  }> | null;
}

/** Decodes a request body (already decompressed); throws OtlpDecodeError when it is not one. */
export function decodeTraces(body: Buffer, encoding: 'protobuf' | 'json'): OtlpSpan[] {
  let raw: RawRequest;
  if (encoding === 'protobuf') {
    try {
      raw = Request.decode(body) as unknown as RawRequest;
    } catch (err) {
      throw new OtlpDecodeError(`The body is not an OTLP ExportTraceServiceRequest: ${(err as Error).message}`);
    }
  } else {
    try {
      raw = JSON.parse(body.toString('utf8')) as RawRequest;
    } catch {
      throw new OtlpDecodeError('The body is not JSON.');
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw new OtlpDecodeError('The body is not an OTLP ExportTraceServiceRequest object.');
  }
  try {
    return spansOf(raw);
  } catch (err) {
    throw new OtlpDecodeError(`The body is not a valid ExportTraceServiceRequest: ${(err as Error).message}`);
  }
}

function spansOf(raw: RawRequest): OtlpSpan[] {
  const out: OtlpSpan[] = [];
  for (const rs of list(raw.resourceSpans, 'resourceSpans')) {
    const resource = attributesOf(rs.resource?.attributes);
    for (const ss of list(rs.scopeSpans, 'scopeSpans'))
      for (const s of list(ss.spans, 'spans')) {
        const startMs = nanosToMs(s.startTimeUnixNano);
        const endMs = Math.max(startMs, nanosToMs(s.endTimeUnixNano));
        out.push({
          traceId: idOf(s.traceId),
          spanId: idOf(s.spanId),
          parentSpanId: idOf(s.parentSpanId),
          name: typeof s.name === 'string' ? s.name : '',
          startMs,
          endMs,
          attributes: attributesOf(s.attributes),
          resource,
          events: list(s.events, 'events').map((e) => ({
            name: typeof e.name === 'string' ? e.name : '',
            timeMs: nanosToMs(e.timeUnixNano),
            attributes: attributesOf(e.attributes),
          })),
          statusCode: Number(s.status?.code ?? 0) || 0,
          statusMessage: typeof s.status?.message === 'string' ? s.status.message : '',
        });
      }
  }
  return out;
}

function list<T>(v: T[] | null | undefined, name: string): T[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Error(`${name} must be a list`);
  return v;
}

/** Trace and span ids as lower-case hex: bytes from protobuf, hex text in OTLP JSON. */
function idOf(v: unknown): string {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  if (typeof v === 'string')
    return /^[0-9a-fA-F]*$/.test(v) ? v.toLowerCase() : Buffer.from(v, 'base64').toString('hex');
  return '';
}

/** fixed64 nanoseconds (a protobufjs Long, a number, or a decimal string in JSON) as milliseconds. */
function nanosToMs(v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return Math.floor(v / 1e6);
  // protobufjs's Long, from its two 32-bit halves: its decimal text is slow to make and parse.
  if (typeof v === 'object' && typeof (v as Long).low === 'number' && typeof (v as Long).high === 'number') {
    const { low, high, unsigned } = v as Long;
    if (!unsigned && high < 0) throw new Error('a time must be an unsigned integer of nanoseconds');
    return Number(((BigInt(high >>> 0) << 32n) | BigInt(low >>> 0)) / 1_000_000n);
  }
  const text = typeof v === 'string' ? v : String(v);
  if (!/^\d{1,20}$/.test(text)) throw new Error('a time must be an unsigned integer of nanoseconds');
  return Number(BigInt(text) / 1_000_000n);
}

/** The fields of protobufjs's 64-bit integers that matter here. */
interface Long {
  low: number;
  high: number;
  unsigned?: boolean;
}

const MAX_DEPTH = 16;

function anyValue(v: RawAnyValue | null | undefined, depth = 0): AttrValue {
  if (!v || typeof v !== 'object') return null;
  if (depth > MAX_DEPTH) throw new Error('attribute values nest too deeply');
  // Own properties only: protobufjs puts every field's default on the prototype ('' for
  // stringValue even when the value is an int), and sets the one field the oneof holds.
  const has = (k: keyof RawAnyValue) => Object.hasOwn(v, k) && v[k] !== undefined && v[k] !== null;
  if (has('stringValue')) return String(v.stringValue);
  if (has('boolValue')) return Boolean(v.boolValue);
  if (has('intValue')) return Number(String(v.intValue));
  if (has('doubleValue')) return Number(v.doubleValue);
  if (has('arrayValue')) return list(v.arrayValue?.values, 'arrayValue.values').map((x) => anyValue(x, depth + 1));
  if (has('kvlistValue')) {
    const o: Record<string, AttrValue> = {};
    for (const kv of list(v.kvlistValue?.values, 'kvlistValue.values'))
      if (typeof kv.key === 'string') o[kv.key] = anyValue(kv.value, depth + 1);
    return o;
  }
  if (v.bytesValue instanceof Uint8Array) return Buffer.from(v.bytesValue).toString('base64');
  if (typeof v.bytesValue === 'string') return v.bytesValue;
  return null;
}

function attributesOf(kvs: RawKeyValue[] | null | undefined): Attributes {
  const out: Attributes = {};
  for (const kv of list(kvs, 'attributes')) if (typeof kv.key === 'string') out[kv.key] = anyValue(kv.value);
  return out;
}

/** `ExportTraceServiceResponse`, in the request's encoding; partial success only when something was refused. */
export function encodeResponse(encoding: 'protobuf' | 'json', rejectedSpans: number, errorMessage: string) {
  const partialSuccess = rejectedSpans > 0 || errorMessage ? { rejectedSpans, errorMessage } : undefined;
  if (encoding === 'json')
    return JSON.stringify(
      partialSuccess ? { partialSuccess: { rejectedSpans: String(rejectedSpans), errorMessage } } : {},
    );
  return Buffer.from(Response.encode(Response.create(partialSuccess ? { partialSuccess } : {})).finish());
}

/** A refusal as OTLP/HTTP answers one: `google.rpc.Status` in the request's encoding. */
export function encodeStatus(encoding: 'protobuf' | 'json', code: number, message: string) {
  if (encoding === 'json') return JSON.stringify({ code, message });
  return Buffer.from(RpcStatus.encode(RpcStatus.create({ code, message })).finish());
}

/** For tests and examples: a response body back as `{rejectedSpans, errorMessage}`. */
export function decodeResponse(body: Buffer): { rejectedSpans: number; errorMessage: string } {
  const o = Response.toObject(Response.decode(body), { longs: Number, defaults: true }) as {
    partialSuccess?: { rejectedSpans: number; errorMessage: string };
  };
  return o.partialSuccess ?? { rejectedSpans: 0, errorMessage: '' };
}
