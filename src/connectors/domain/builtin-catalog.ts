import type { NewConnector } from './connector.input';

export type BuiltinConnector = NewConnector & { id: string };

/**
 * The catalog every organization has (Coco Server's built-in connectors, with its slug ids). They are
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
  },
  {
    id: 'gitlab',
    name: 'GitLab',
    description: 'Index projects, issues and merge requests from GitLab.',
    category: 'website',
    icon: '/assets/icons/connector/gitlab/icon.png',
    tags: ['gitlab', 'code', 'git'],
    url: 'https://gitlab.com',
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
  },
  {
    id: 'notion',
    name: 'Notion',
    description: 'Fetch the pages and databases of a Notion workspace.',
    category: 'website',
    icon: '/assets/icons/connector/notion/icon.png',
    tags: ['notion', 'docs', 'wiki'],
    url: 'https://www.notion.so',
  },
  {
    id: 'confluence',
    name: 'Confluence',
    description: 'Fetch the spaces and pages of a Confluence wiki.',
    category: 'website',
    icon: '/assets/icons/connector/confluence/icon.png',
    tags: ['atlassian', 'wiki', 'docs'],
    url: 'https://www.atlassian.com/software/confluence',
  },
  {
    id: 'jira',
    name: 'Jira',
    description: 'Fetch the projects and issues of a Jira site.',
    category: 'website',
    icon: '/assets/icons/connector/jira/icon.png',
    tags: ['atlassian', 'issues', 'project_management'],
    url: 'https://www.atlassian.com/software/jira',
  },
  {
    id: 's3',
    name: 'S3',
    description: 'Fetch the objects of an Amazon S3 (or S3-compatible) bucket.',
    category: 'cloud_storage',
    icon: '/assets/icons/connector/s3/icon.png',
    tags: ['aws', 'storage', 'object_storage'],
    url: 'https://aws.amazon.com/s3/',
  },
  {
    id: 'rss',
    name: 'RSS',
    description: 'Fetch the items of RSS and Atom feeds.',
    category: 'website',
    icon: '/assets/icons/connector/rss/icon.png',
    tags: ['rss', 'feed', 'web'],
    url: null,
  },
  {
    id: 'local_fs',
    name: 'Local Filesystem',
    description: 'Index the files of local folders.',
    category: 'local_storage',
    icon: '/assets/icons/connector/local_fs/icon.png',
    tags: ['file', 'local', 'storage'],
    url: null,
  },
  {
    id: 'yuque',
    name: 'Yuque',
    description: 'Fetch the knowledge bases and documents of Yuque.',
    category: 'website',
    icon: '/assets/icons/connector/yuque/icon.png',
    tags: ['yuque', 'docs', 'wiki'],
    url: 'https://www.yuque.com',
  },
];
