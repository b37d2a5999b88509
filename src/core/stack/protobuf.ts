// Reading Protocol Buffers' wire format, just enough to read a tofu plan file. A message is a
// sequence of fields, each a key (field number << 3 | wire type) followed by its value: a varint
// (type 0), 8 bytes (type 1), a length-delimited byte string (type 2: strings, bytes, nested
// messages, packed lists) or 4 bytes (type 5). Repeated fields and map entries simply occur more
// than once. Without the schema a nested message is just bytes; readers that know the schema
// decode those bytes again with readFields.

export interface ProtoField {
  field: number;
  wire: 0 | 1 | 2 | 5;
  /** Varints as bigint (they can exceed 2^53); other types as their raw bytes. */
  value: bigint | Uint8Array;
  /** The whole field as it was encoded (key and value), for hashing. */
  raw: Uint8Array;
}

export class ProtobufError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtobufError";
  }
}

function readVarint(bytes: Uint8Array, start: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  let i = start;
  while (i < bytes.length) {
    const byte = bytes[i] as number;
    i++;
    value |= BigInt(byte & 0x7f) << shift;
    if (byte < 0x80) return [value, i];
    shift += 7n;
    if (shift > 63n) break;
  }
  throw new ProtobufError(`malformed varint at byte ${start}`);
}

/** The fields of one message, in the order they were written. */
export function readFields(bytes: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = [];
  let i = 0;
  while (i < bytes.length) {
    const start = i;
    const [key, afterKey] = readVarint(bytes, i);
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    i = afterKey;
    let value: bigint | Uint8Array;
    if (wire === 0) {
      [value, i] = readVarint(bytes, i);
    } else if (wire === 2) {
      const [length, afterLength] = readVarint(bytes, i);
      const end = afterLength + Number(length);
      if (end > bytes.length) throw new ProtobufError(`field ${field} runs past the end of the message`);
      value = bytes.subarray(afterLength, end);
      i = end;
    } else if (wire === 1 || wire === 5) {
      const end = i + (wire === 1 ? 8 : 4);
      if (end > bytes.length) throw new ProtobufError(`field ${field} runs past the end of the message`);
      value = bytes.subarray(i, end);
      i = end;
    } else {
      throw new ProtobufError(`unsupported wire type ${wire} for field ${field} at byte ${start}`);
    }
    if (field === 0) throw new ProtobufError(`field number 0 at byte ${start}`);
    fields.push({ field, wire: wire as ProtoField["wire"], value, raw: bytes.subarray(start, i) });
  }
  return fields;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The value of a length-delimited field as UTF-8 text. */
export function text(f: ProtoField): string {
  if (!(f.value instanceof Uint8Array)) throw new ProtobufError(`field ${f.field} is not a string`);
  return utf8.decode(f.value);
}

/** The value of a varint field as a number. */
export function int(f: ProtoField): number {
  if (typeof f.value !== "bigint") throw new ProtobufError(`field ${f.field} is not a varint`);
  return Number(f.value);
}

/** The nested message in a length-delimited field. */
export function message(f: ProtoField): ProtoField[] {
  if (!(f.value instanceof Uint8Array)) throw new ProtobufError(`field ${f.field} is not a message`);
  return readFields(f.value);
}

/** The first field with this number, or undefined (proto3 omits fields left at their default). */
export function first(fields: readonly ProtoField[], field: number): ProtoField | undefined {
  return fields.find((f) => f.field === field);
}
