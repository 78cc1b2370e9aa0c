import { ValueTransformer } from 'typeorm';

/** pg reads a bigint as a string; entity versions stay below 2^53, so they are numbers in the code. */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
