import { IsString, Length } from 'class-validator';

export interface Note {
  id: number;
  text: string;
}

/** The demo has no storage: a fixed list to read. */
export const SAMPLE_NOTES: readonly Note[] = [
  { id: 1, text: 'Access tokens are short-lived JWTs (RFC 9068).' },
  { id: 2, text: 'Refresh tokens go to the authorization server, never here.' },
  { id: 3, text: 'Writing a note needs the write scope.' },
];

export class CreateNoteDto {
  // Checked bottom-up, and only the first failure is reported.
  @Length(1, 280)
  @IsString()
  text: string;
}
