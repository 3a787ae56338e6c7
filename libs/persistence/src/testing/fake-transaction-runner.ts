import { TransactionRunner, type TransactionalRepositories } from '../repositories/transaction-runner.js';

/**
 * Runs the work over the in-memory repositories. Nothing is rolled back when the work throws: what
 * depends on a rollback is a case for the end-to-end suite, on a real database.
 */
export class FakeTransactionRunner extends TransactionRunner {
  constructor(private readonly repositories: TransactionalRepositories) {
    super();
  }

  run<T>(work: (tx: TransactionalRepositories) => Promise<T>): Promise<T> {
    return work(this.repositories);
  }
}
