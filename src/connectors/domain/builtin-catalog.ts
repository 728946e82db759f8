import type { NewConnector } from './connector.input';

export type BuiltinConnector = NewConnector & { id: string };

/**
 * The catalog every organization has (Coco Server's built-in connectors, with its slug ids, icon
 * assets and processors as Coco's own setup templates declare them). They are
 * created when an organization first appears and again at start for organizations that lack one;
 * they can be updated but never deleted.
 */
export const BUILTIN_CONNECTORS: readonly BuiltinConnector[] = [
  {
    id: 'github',
    name: 'GitHub',
    description: 'Index repositories, issues and pull requests from GitHub.',
    category: 'website',
    icon: '/assets/icons/connector/github/icon.png',
    tags: ['github', 'code', 'git'],
    url: 'https://github.com',
    assets: {
      icons: {
        default: '/assets/icons/connector/github/icon.png',
        repository: '/assets/icons/connector/github/repository.png',
        issue: '/assets/icons/connector/github/issue.png',
        pull_request: '/assets/icons/connector/github/pull_request.png',
        org: '/assets/icons/connector/github/org.png',
      },
    },
    processor: { enabled: true, name: 'github' },
  },
  {
    id: 'gitlab',
    name: 'GitLab',
    description: 'Index projects, issues and merge requests from GitLab.',
    category: 'website',
    icon: '/assets/icons/connector/gitlab/icon.png',
    tags: ['gitlab', 'code', 'git'],
    url: 'https://gitlab.com',
    assets: {
      icons: {
        default: '/assets/icons/connector/gitlab/icon.png',
        repository: '/assets/icons/connector/gitlab/repository.png',
        issue: '/assets/icons/connector/gitlab/issue.png',
        merge_request: '/assets/icons/connector/gitlab/merge_request.png',
        wiki: '/assets/icons/connector/gitlab/wiki.png',
        snippet: '/assets/icons/connector/gitlab/snippet.png',
        org: '/assets/icons/connector/gitlab/org.png',
      },
    },
    processor: { enabled: true, name: 'gitlab' },
  },
  {
    id: 'google_drive',
    name: 'Google Drive',
    description: 'Fetch the files of a Google Drive.',
    category: 'cloud_storage',
    icon: '/assets/icons/connector/google_drive/icon.png',
    tags: ['google', 'storage', 'docs'],
    url: 'https://drive.google.com',
    oauthConnectImplemented: true,
    assets: {
      icons: {
        default: '/assets/icons/connector/google_drive/icon.png',
        audio: '/assets/icons/connector/google_drive/audio.png',
        document: '/assets/icons/connector/google_drive/document.png',
        drawing: '/assets/icons/connector/google_drive/drawing.png',
        folder: '/assets/icons/connector/google_drive/folder.png',
        form: '/assets/icons/connector/google_drive/form.png',
        presentation: '/assets/icons/connector/google_drive/presentation.png',
        spreadsheet: '/assets/icons/connector/google_drive/spreadsheet.png',
        pdf: '/assets/icons/connector/google_drive/pdf.png',
        photo: '/assets/icons/connector/google_drive/photo.png',
        video: '/assets/icons/connector/google_drive/video.png',
        zip: '/assets/icons/connector/google_drive/zip.png',
      },
    },
    processor: { enabled: true, name: 'google_drive' },
  },
  {
    id: 'notion',
    name: 'Notion',
    description: 'Fetch the pages and databases of a Notion workspace.',
    category: 'website',
    icon: '/assets/icons/connector/notion/icon.png',
    tags: ['notion', 'docs', 'wiki'],
    url: 'https://www.notion.so',
    assets: {
      icons: {
        default: '/assets/icons/connector/notion/icon.png',
        database: '/assets/icons/connector/notion/database.png',
        page: '/assets/icons/connector/notion/page.png',
      },
    },
    processor: { enabled: true, name: 'notion' },
  },
  {
    id: 'confluence',
    name: 'Confluence',
    description: 'Fetch the spaces and pages of a Confluence wiki.',
    category: 'website',
    icon: '/assets/icons/connector/confluence/icon.png',
    tags: ['atlassian', 'wiki', 'docs'],
    url: 'https://www.atlassian.com/software/confluence',
    assets: {
      icons: {
        default: '/assets/icons/connector/confluence/icon.png',
      },
    },
    processor: { enabled: true, name: 'confluence' },
  },
  {
    id: 'jira',
    name: 'Jira',
    description: 'Fetch the projects and issues of a Jira site.',
    category: 'website',
    icon: '/assets/icons/connector/jira/icon.png',
    tags: ['atlassian', 'issues', 'project_management'],
    url: 'https://www.atlassian.com/software/jira',
    assets: {
      icons: {
        default: '/assets/icons/connector/jira/icon.png',
      },
    },
    processor: { enabled: true, name: 'jira' },
  },
  {
    id: 's3',
    name: 'S3',
    description: 'Fetch the objects of an Amazon S3 (or S3-compatible) bucket.',
    category: 'cloud_storage',
    icon: '/assets/icons/connector/s3/icon.png',
    tags: ['aws', 'storage', 'object_storage'],
    url: 'https://aws.amazon.com/s3/',
    assets: {
      icons: {
        default: '/assets/icons/connector/s3/icon.png',
        file: '/assets/icons/connector/s3/file.png',
      },
    },
    processor: { enabled: true, name: 's3' },
  },
  {
    id: 'rss',
    name: 'RSS',
    description: 'Fetch the items of RSS and Atom feeds.',
    category: 'website',
    icon: '/assets/icons/connector/rss/icon.png',
    tags: ['rss', 'feed', 'web'],
    url: null,
    assets: {
      icons: {
        default: '/assets/icons/connector/rss/icon.png',
      },
    },
    processor: { enabled: true, name: 'rss' },
  },
  {
    id: 'local_fs',
    name: 'Local Filesystem',
    description: 'Index the files of local folders.',
    category: 'local_storage',
    icon: '/assets/icons/connector/local_fs/icon.png',
    tags: ['file', 'local', 'storage'],
    url: null,
    assets: {
      icons: {
        default: '/assets/icons/connector/local_fs/icon.png',
        file: '/assets/icons/connector/local_fs/file.png',
      },
    },
    processor: { enabled: true, name: 'local_fs' },
  },
  {
    id: 'yuque',
    name: 'Yuque',
    description: 'Fetch the knowledge bases and documents of Yuque.',
    category: 'website',
    icon: '/assets/icons/connector/yuque/icon.png',
    tags: ['yuque', 'docs', 'wiki'],
    url: 'https://www.yuque.com',
    assets: {
      icons: {
        default: '/assets/icons/connector/yuque/icon.png',
        board: '/assets/icons/connector/yuque/board.png',
        book: '/assets/icons/connector/yuque/book.png',
        doc: '/assets/icons/connector/yuque/doc.png',
        sheet: '/assets/icons/connector/yuque/sheet.png',
        table: '/assets/icons/connector/yuque/table.png',
      },
    },
    processor: { enabled: true, name: 'yuque' },
  },
];
