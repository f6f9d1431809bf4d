import type { z } from 'zod';
import type { Ack } from './errors.ts';

/** A client→server event: its payload schema and the schema of the data its acknowledgement carries. */
export interface ClientEventSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
}

/** Builds the typed Socket.IO map for client→server events: `(payload, ack) => void`. */
export type ClientEventMap<R extends Record<string, ClientEventSpec>> = {
  [K in keyof R]: (payload: z.input<R[K]['input']>, ack: (res: Ack<z.output<R[K]['output']>>) => void) => void;
};

/** Builds the typed Socket.IO map for server→client pushes: `(payload) => void`. */
export type ServerEventMap<R extends Record<string, z.ZodType>> = {
  [K in keyof R]: (payload: z.output<R[K]>) => void;
};

/** Identity helper that keeps literal keys while checking the registry's shape. */
export const clientEvents = <R extends Record<string, ClientEventSpec>>(r: R): R => r;
export const serverEvents = <R extends Record<string, z.ZodType>>(r: R): R => r;
