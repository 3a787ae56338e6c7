import { Controller, Get, Header, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuthorizationPagesService } from './authorization-pages.service.js';
import { STYLESHEET } from './pages/stylesheet.js';

/** RFC 6749 3.1: the authorization endpoint, its sign-in and consent pages, and sign-out (HTML, no script). */
@ApiExcludeController()
@Controller('oauth')
export class AuthorizationController {
  constructor(private readonly pages: AuthorizationPagesService) {}

  @Get('authorize')
  authorize(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.pages.authorize(req, res);
  }

  @Post('authorize/login')
  login(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.pages.login(req, res);
  }

  @Post('authorize/consent')
  consent(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.pages.consent(req, res);
  }

  @Get('logout')
  logoutForm(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.pages.logoutForm(req, res);
  }

  @Post('logout')
  logout(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.pages.logout(req, res);
  }

  @Get('assets/style.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  stylesheet(): string {
    return STYLESHEET;
  }
}
