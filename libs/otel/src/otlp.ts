/** The OTLP/JSON shapes of an ExportTraceServiceRequest (opentelemetry-proto, JSON mapping). */

export type AnyValue =
  | { stringValue: string }
  | { intValue: string }
  | { doubleValue: number }
  | { boolValue: boolean }
  | { arrayValue: { values: AnyValue[] } };

export interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface OtelSpan {
  traceId: string;
  spanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  status: { code: number; message?: string };
}

export interface OtelDocument {
  resourceSpans: Array<{
    resource: { attributes: KeyValue[] };
    scopeSpans: Array<{ scope: { name: string; version: string }; spans: OtelSpan[] }>;
  }>;
}

export const SPAN_KIND_CLIENT = 3;
export const STATUS_UNSET = 0;
export const STATUS_OK = 1;
export const STATUS_ERROR = 2;

export const str = (key: string, value: string): KeyValue => ({ key, value: { stringValue: value } });
export const int = (key: string, value: number): KeyValue => ({
  key,
  value: { intValue: String(Math.trunc(value)) },
});
export const double = (key: string, value: number): KeyValue => ({ key, value: { doubleValue: value } });
export const strings = (key: string, values: string[]): KeyValue => ({
  key,
  value: { arrayValue: { values: values.map((stringValue) => ({ stringValue })) } },
});
