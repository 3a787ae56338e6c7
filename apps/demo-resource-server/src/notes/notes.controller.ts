import { Body, Controller, Get, Post } from '@nestjs/common';
import { RequireScopes } from '#resource-guard';
import { validBody } from '../validation.js';
import { CreateNoteDto, type Note, SAMPLE_NOTES } from './notes.js';

@Controller('api/notes')
export class NotesController {
  @Get()
  @RequireScopes('read')
  list(): readonly Note[] {
    return SAMPLE_NOTES;
  }

  /** Echoes the note: nothing is stored. */
  @Post()
  @RequireScopes('write')
  create(@Body(validBody) note: CreateNoteDto): { text: string } {
    return { text: note.text };
  }
}
