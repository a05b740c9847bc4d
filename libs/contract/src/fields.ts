import { z } from 'zod';

/**
 * The field schemas every command file shares, written once so that all of them say the same thing the same way
 * (zod 4's top-level formats: `z.uuid()`, `z.iso.datetime()`; strict objects for payloads).
 */
export const uuid = z.uuid();
/** A write command's optional idempotency key (docs/protocol.md §4). */
export const commandId = uuid.optional();
export const jsonObject = z.record(z.string(), z.unknown());
export const isoTime = z.iso.datetime({ offset: true });
