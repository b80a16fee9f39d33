/**
 * The call log served at `GET /_emulator/calls`: what tests read to prove that dry-run made no
 * mutating call and that excluded accounts were never touched.
 */
import type { CallRecord } from '../model/state';

/** Verbs whose calls change state; everything else (Get/List/Describe, AssumeRoot) reads. */
const MUTATING_PREFIXES = [
  'Create',
  'Delete',
  'Deactivate',
  'Enable',
  'Disable',
  'Register',
  'Deregister',
  'Put',
  'Set',
  'Attach',
  'Detach',
  'Update',
  'Move',
  'Remove',
  'Tag',
  'Untag',
  'Upload',
];

/**
 * The fallback when a service has not annotated its call. `AssumeRoot` is deliberately not
 * mutating: it issues a session but changes nothing in the member account, and counting it
 * would make every audit look like it wrote.
 */
export function isMutatingAction(action: string): boolean {
  return MUTATING_PREFIXES.some((prefix) => action.startsWith(prefix));
}

export type NewCall = Omit<CallRecord, 'sequence' | 'time'>;

export class CallLog {
  private records: CallRecord[] = [];
  private sequence = 0;

  add(call: NewCall, time: Date): CallRecord {
    // Sequence numbers keep rising across clears so a test can tell old records from new.
    this.sequence += 1;
    const record: CallRecord = { sequence: this.sequence, time: time.toISOString(), ...call };
    this.records.push(record);
    return record;
  }

  all(): CallRecord[] {
    return this.records.slice();
  }

  clear(): void {
    this.records = [];
  }
}
