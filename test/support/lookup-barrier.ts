import type { RefreshTokenRepository } from '#persistence';

/**
 * Holds every refresh-token lookup on the given repositories until `count` of them have read
 * the token, so that all requests race on the rotation itself. Returns the undo.
 */
export function holdLookupsUntil(count: number, repositories: RefreshTokenRepository[]): () => void {
  const originals = repositories.map((r) => r.findByHash.bind(r));
  let waiting: (() => void)[] = [];
  repositories.forEach((repository, i) => {
    repository.findByHash = async (hash: string) => {
      const row = await originals[i](hash);
      await new Promise<void>((release) => {
        waiting.push(release);
        if (waiting.length === count) waiting.forEach((r) => r());
      });
      return row;
    };
  });
  return () => {
    repositories.forEach((repository, i) => (repository.findByHash = originals[i]));
    waiting = [];
  };
}
