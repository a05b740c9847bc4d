export { GEN_AI, operationOf, providerValue } from './attributes';
export { toOtel, traceIdOf, spanIdOf, type OtelOptions } from './spans';
export type { AnyValue, KeyValue, OtelDocument, OtelSpan } from './otlp';
