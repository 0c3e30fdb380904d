/** One finding of a GitLab security report (schema 15.x, `sast`). */
export interface GitlabVulnerability {
  id: string;
  name: string;
  description: string;
  severity: 'Critical' | 'High' | 'Medium' | 'Low' | 'Info' | 'Unknown';
  solution: string;
  identifiers: { type: string; name: string; value: string; url?: string }[];
  location: { file: string; start_line?: number; end_line?: number };
}

interface GitlabComponent {
  id: string;
  name: string;
  version: string;
  vendor: { name: string };
}

/** A GitLab security report. */
export interface GitlabReport {
  version: string;
  vulnerabilities: GitlabVulnerability[];
  scan: {
    analyzer: GitlabComponent;
    scanner: GitlabComponent;
    type: 'sast';
    start_time: string;
    end_time: string;
    status: 'success';
  };
}

/** The GitLab security report schema version written. */
export declare const GITLAB_REPORT_VERSION: string;
/** Convert one parsed SARIF log into a GitLab report object (type `sast`). */
export declare function sarifToGitlab(sarif: unknown, now?: Date): GitlabReport;
