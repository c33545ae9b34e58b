/** The store port's slice for file bytes: its rows and its interfaces (all slices: ../port.ts). */

/** Blob bytes addressed by their SHA-256. */
export interface FileBytes {
  readonly size: number;
  /** Streams bytes `[start, end]` inclusive. */
  open(range?: { start: number; end: number }): NodeJS.ReadableStream;
}

/** File bytes, addressed by their SHA-256. */
export interface BlobStore {
  putBlob(bytes: Buffer): Promise<{ sha256: string; size: number }>;
  getBlob(sha256: string): Promise<FileBytes | undefined>;
}
