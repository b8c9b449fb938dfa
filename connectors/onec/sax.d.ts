// The part of sax (https://github.com/isaacs/sax-js, no bundled typings) the SOAP reader uses.
declare module 'sax' {
  export interface QualifiedAttribute {
    name: string;
    value: string;
    prefix: string;
    local: string;
    uri: string;
  }
  export interface QualifiedTag {
    name: string;
    prefix: string;
    local: string;
    uri: string;
    attributes: Record<string, QualifiedAttribute>;
    isSelfClosing: boolean;
  }
  export interface SAXParser {
    /** The entity being read when an error is reported inside one. */
    entity: string;
    onerror: (e: Error) => void;
    onopentag: (tag: QualifiedTag) => void;
    onclosetag: (name: string) => void;
    ontext: (text: string) => void;
    oncdata: (text: string) => void;
    write(chunk: string): SAXParser;
    close(): SAXParser;
  }
  export function parser(strict: boolean, options?: { xmlns?: boolean; position?: boolean; trim?: boolean; normalize?: boolean }): SAXParser;
  const sax: { parser: typeof parser };
  export default sax;
}
