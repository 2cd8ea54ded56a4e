import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { OPS_HTML } from './ops-page.html.js';
import { OPS_JS } from './ops-page.script.js';
import { OPS_CSS } from './ops-page.style.js';

/**
 * Only this origin's own script, style and API; no inline code (the page has none), no framing.
 * `img-src data:` leaves room for data-URL images; the chart itself is inline SVG built by the script.
 */
export const OPS_PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/**
 * The duty officer's page: lag per consumer group, GREEN / YELLOW / RED per province and commune,
 * adapter health, refreshed every 5 s. Public because it holds no data: the script reads the ops
 * API with the bearer token the operator gives it (URL fragment or form), so the scopes are
 * checked there. no-store: a new gateway version's page must not mix with a cached script.
 */
@ApiExcludeController()
@Controller('ops')
export class OpsPageController {
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', OPS_PAGE_CSP)
  @Header('x-content-type-options', 'nosniff')
  @Header('cache-control', 'no-store')
  @Header('referrer-policy', 'no-referrer')
  page(): string {
    return OPS_HTML;
  }

  @Get('ops.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('content-security-policy', OPS_PAGE_CSP)
  @Header('x-content-type-options', 'nosniff')
  @Header('cache-control', 'no-store')
  script(): string {
    return OPS_JS;
  }

  @Get('ops.css')
  @Header('content-type', 'text/css; charset=utf-8')
  @Header('content-security-policy', OPS_PAGE_CSP)
  @Header('x-content-type-options', 'nosniff')
  @Header('cache-control', 'no-store')
  style(): string {
    return OPS_CSS;
  }
}
