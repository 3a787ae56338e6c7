import { Injectable } from '@nestjs/common';

/** The time source of every expiry decision; tests replace it instead of sleeping. */
@Injectable()
export class Clock {
  /** Milliseconds since the epoch. */
  now(): number {
    return Date.now();
  }
}
