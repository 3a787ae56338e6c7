import 'reflect-metadata';
import { createDemoApp } from './create-demo-app.js';
import { type DemoConfig, loadDemoConfig } from './demo-config.js';

async function bootstrap(): Promise<void> {
  let config: DemoConfig;
  try {
    config = loadDemoConfig(process.env);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
  const app = await createDemoApp(config);
  await app.listen(config.port);
}

void bootstrap();
