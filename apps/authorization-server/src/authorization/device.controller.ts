import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DevicePagesService } from './device-pages.service.js';

/**
 * RFC 8628 3.3: the verification pages of the device flow (HTML, no script). `/device` is the short
 * verification_uri a user types; it leads to the pages under `/oauth`, where the sign-in cookies live.
 */
@ApiExcludeController()
@Controller()
export class DeviceController {
  constructor(private readonly pages: DevicePagesService) {}

  @Get('device')
  verificationUri(@Req() req: Request, @Res() res: Response): void {
    this.pages.verificationUri(req, res);
  }

  @Get('oauth/device')
  codeForm(@Req() req: Request, @Res() res: Response): void {
    this.pages.codeForm(req, res);
  }

  @Post('oauth/device')
  enterCode(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.pages.enterCode(req, res);
  }

  @Post('oauth/device/login')
  login(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.pages.login(req, res);
  }

  @Post('oauth/device/consent')
  consent(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.pages.consent(req, res);
  }
}
