/**
 * The README.md of a client package, in French then English: what the zip
 * holds, how to install the .deb, where the API key goes, whom to contact.
 * Plain text facts only (no key: the key is in `.env` and `API_KEY.txt`).
 */
export interface ReadmeFacts {
  productName: string;
  /** The Debian package name (the .deb file name's first part). */
  debPackage: string;
  debName: string;
  version: string;
  clientSlug: string;
  portalUrl: string;
  supportEmail: string;
}

export function readmeText(f: ReadmeFacts): string {
  const conf = `~/.config/${f.debPackage}/.env`;
  return `# ${f.productName} — ${f.clientSlug}

## Français

Ce paquet contient :

- \`${f.debName}\` : ${f.productName} version ${f.version} ;
- \`.env\` : votre configuration (\`API_KEY\`, \`PORTAL_URL\`) ;
- \`API_KEY.txt\` : votre clé d'API seule ;
- \`SHA256SUMS\` : les empreintes des fichiers (vérification : \`sha256sum -c SHA256SUMS\`).

### Installation

1. Vérifiez les fichiers : \`sha256sum -c SHA256SUMS\`.
2. Installez le programme : \`sudo apt install ./${f.debName}\`.
3. Copiez la configuration : \`mkdir -p ~/.config/${f.debPackage} && cp .env ${conf} && chmod 600 ${conf}\`.

### Votre clé d'API

La clé (\`sk_…\`) est personnelle : elle identifie ${f.clientSlug} auprès de ${f.portalUrl}.
Le programme la lit dans \`${conf}\` (ligne \`API_KEY=\`) et l'envoie dans l'en-tête
\`Authorization: Bearer\`. Ne la partagez pas ; si elle est perdue ou divulguée, demandez-en une nouvelle :
l'ancienne sera révoquée.

### Assistance

${f.supportEmail} — ${f.portalUrl}

## English

This package holds:

- \`${f.debName}\`: ${f.productName} version ${f.version};
- \`.env\`: your configuration (\`API_KEY\`, \`PORTAL_URL\`);
- \`API_KEY.txt\`: your API key alone;
- \`SHA256SUMS\`: the files' checksums (check with \`sha256sum -c SHA256SUMS\`).

### Installation

1. Check the files: \`sha256sum -c SHA256SUMS\`.
2. Install the program: \`sudo apt install ./${f.debName}\`.
3. Copy the configuration: \`mkdir -p ~/.config/${f.debPackage} && cp .env ${conf} && chmod 600 ${conf}\`.

### Your API key

The key (\`sk_…\`) is yours alone: it identifies ${f.clientSlug} to ${f.portalUrl}.
The program reads it from \`${conf}\` (the \`API_KEY=\` line) and sends it in the
\`Authorization: Bearer\` header. Do not share it; if it is lost or leaked, ask for a new one:
the old one will be revoked.

### Support

${f.supportEmail} — ${f.portalUrl}
`;
}
