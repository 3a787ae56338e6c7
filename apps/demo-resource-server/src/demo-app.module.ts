import { type DynamicModule, Module } from '@nestjs/common';
import { ResourceGuardModule, type TokenClock } from '#resource-guard';
import type { DemoConfig } from './demo-config.js';
import { HealthController } from './health.controller.js';
import { NotesController } from './notes/notes.controller.js';
import { ProfileController } from './profile.controller.js';

@Module({})
export class DemoAppModule {
  static forRoot(config: DemoConfig, clock?: TokenClock): DynamicModule {
    return {
      module: DemoAppModule,
      imports: [ResourceGuardModule.forRoot({ issuer: config.issuer, audience: config.audience, clock })],
      controllers: [HealthController, ProfileController, NotesController],
    };
  }
}
