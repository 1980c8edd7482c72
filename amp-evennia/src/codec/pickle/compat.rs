//! Python 2 <-> Python 3 global names (CPython's `_compat_pickle`, `fix_imports=True`).
//!
//! CPython writes pickles of protocol 0 to 2 with Python 2 module names
//! (`__builtin__.set`, `copy_reg._reconstructor`) and maps them back when it
//! loads a pickle of protocol below 3. The decoder does the same mapping, so a
//! [`Global`](super::Global) always holds the Python 3 name; the encoder maps
//! the other way when it writes protocol 2, so CPython's own load mapping lands
//! on the right name again (writing `dbm` unmapped would load as `dbm.ndbm`).

/// Module renames applied both ways (Python 2 name, Python 3 name).
const IMPORTS: &[(&str, &str)] = &[
    ("__builtin__", "builtins"),
    ("copy_reg", "copyreg"),
    ("Queue", "queue"),
    ("SocketServer", "socketserver"),
    ("ConfigParser", "configparser"),
    ("repr", "reprlib"),
    ("tkFileDialog", "tkinter.filedialog"),
    ("tkSimpleDialog", "tkinter.simpledialog"),
    ("tkColorChooser", "tkinter.colorchooser"),
    ("tkCommonDialog", "tkinter.commondialog"),
    ("Dialog", "tkinter.dialog"),
    ("Tkdnd", "tkinter.dnd"),
    ("tkFont", "tkinter.font"),
    ("tkMessageBox", "tkinter.messagebox"),
    ("ScrolledText", "tkinter.scrolledtext"),
    ("Tkconstants", "tkinter.constants"),
    ("Tix", "tkinter.tix"),
    ("ttk", "tkinter.ttk"),
    ("Tkinter", "tkinter"),
    ("markupbase", "_markupbase"),
    ("_winreg", "winreg"),
    ("thread", "_thread"),
    ("dummy_thread", "_dummy_thread"),
    ("dbhash", "dbm.bsd"),
    ("dumbdbm", "dbm.dumb"),
    ("dbm", "dbm.ndbm"),
    ("gdbm", "dbm.gnu"),
    ("xmlrpclib", "xmlrpc.client"),
    ("SimpleXMLRPCServer", "xmlrpc.server"),
    ("httplib", "http.client"),
    ("htmlentitydefs", "html.entities"),
    ("HTMLParser", "html.parser"),
    ("Cookie", "http.cookies"),
    ("cookielib", "http.cookiejar"),
    ("BaseHTTPServer", "http.server"),
    ("test.test_support", "test.support"),
    ("commands", "subprocess"),
    ("urlparse", "urllib.parse"),
    ("robotparser", "urllib.robotparser"),
    ("urllib2", "urllib.request"),
    ("anydbm", "dbm"),
    ("_abcoll", "collections.abc"),
];

/// Module renames applied only when loading.
const IMPORTS_LOAD_ONLY: &[(&str, &str)] = &[
    ("cPickle", "pickle"),
    ("_elementtree", "xml.etree.ElementTree"),
    ("FileDialog", "tkinter.filedialog"),
    ("SimpleDialog", "tkinter.simpledialog"),
    ("DocXMLRPCServer", "xmlrpc.server"),
    ("SimpleHTTPServer", "http.server"),
    ("CGIHTTPServer", "http.server"),
    ("UserDict", "collections"),
    ("UserList", "collections"),
    ("UserString", "collections"),
    ("whichdb", "dbm"),
    ("StringIO", "io"),
    ("cStringIO", "io"),
];

/// Module renames applied only when writing (Python 3 name, Python 2 name).
const IMPORTS_WRITE_ONLY: &[(&str, &str)] =
    &[("_bz2", "bz2"), ("_dbm", "dbm"), ("_functools", "functools"), ("_gdbm", "gdbm"), ("_pickle", "pickle")];

type Name = (&'static str, &'static str);

/// Renames of single names applied both ways (Python 2, Python 3).
const NAMES: &[(Name, Name)] = &[
    (("__builtin__", "xrange"), ("builtins", "range")),
    (("__builtin__", "reduce"), ("functools", "reduce")),
    (("__builtin__", "intern"), ("sys", "intern")),
    (("__builtin__", "unichr"), ("builtins", "chr")),
    (("__builtin__", "unicode"), ("builtins", "str")),
    (("__builtin__", "long"), ("builtins", "int")),
    (("itertools", "izip"), ("builtins", "zip")),
    (("itertools", "imap"), ("builtins", "map")),
    (("itertools", "ifilter"), ("builtins", "filter")),
    (("itertools", "ifilterfalse"), ("itertools", "filterfalse")),
    (("itertools", "izip_longest"), ("itertools", "zip_longest")),
    (("UserDict", "IterableUserDict"), ("collections", "UserDict")),
    (("UserList", "UserList"), ("collections", "UserList")),
    (("UserString", "UserString"), ("collections", "UserString")),
    (("whichdb", "whichdb"), ("dbm", "whichdb")),
    (("_socket", "fromfd"), ("socket", "fromfd")),
    (("_multiprocessing", "Connection"), ("multiprocessing.connection", "Connection")),
    (("multiprocessing.process", "Process"), ("multiprocessing.context", "Process")),
    (("multiprocessing.forking", "Popen"), ("multiprocessing.popen_fork", "Popen")),
    (("urllib", "ContentTooShortError"), ("urllib.error", "ContentTooShortError")),
    (("urllib", "getproxies"), ("urllib.request", "getproxies")),
    (("urllib", "pathname2url"), ("urllib.request", "pathname2url")),
    (("urllib", "quote_plus"), ("urllib.parse", "quote_plus")),
    (("urllib", "quote"), ("urllib.parse", "quote")),
    (("urllib", "unquote_plus"), ("urllib.parse", "unquote_plus")),
    (("urllib", "unquote"), ("urllib.parse", "unquote")),
    (("urllib", "url2pathname"), ("urllib.request", "url2pathname")),
    (("urllib", "urlcleanup"), ("urllib.request", "urlcleanup")),
    (("urllib", "urlencode"), ("urllib.parse", "urlencode")),
    (("urllib", "urlopen"), ("urllib.request", "urlopen")),
    (("urllib", "urlretrieve"), ("urllib.request", "urlretrieve")),
    (("urllib2", "HTTPError"), ("urllib.error", "HTTPError")),
    (("urllib2", "URLError"), ("urllib.error", "URLError")),
    (("multiprocessing", "AuthenticationError"), ("multiprocessing.context", "AuthenticationError")),
    (("multiprocessing", "BufferTooShort"), ("multiprocessing.context", "BufferTooShort")),
    (("multiprocessing", "ProcessError"), ("multiprocessing.context", "ProcessError")),
    (("multiprocessing", "TimeoutError"), ("multiprocessing.context", "TimeoutError")),
];

/// Renames of single names applied only when loading.
const NAMES_LOAD_ONLY: &[(Name, Name)] = &[
    (("__builtin__", "basestring"), ("builtins", "str")),
    (("exceptions", "StandardError"), ("builtins", "Exception")),
    (("UserDict", "UserDict"), ("collections", "UserDict")),
    (("socket", "_socketobject"), ("socket", "SocketType")),
];

/// Renames of single names applied only when writing (Python 3, Python 2).
const NAMES_WRITE_ONLY: &[(Name, Name)] = &[
    (("_functools", "reduce"), ("__builtin__", "reduce")),
    (("tkinter.filedialog", "FileDialog"), ("FileDialog", "FileDialog")),
    (("tkinter.filedialog", "LoadFileDialog"), ("FileDialog", "LoadFileDialog")),
    (("tkinter.filedialog", "SaveFileDialog"), ("FileDialog", "SaveFileDialog")),
    (("tkinter.simpledialog", "SimpleDialog"), ("SimpleDialog", "SimpleDialog")),
    (("xmlrpc.server", "ServerHTMLDoc"), ("DocXMLRPCServer", "ServerHTMLDoc")),
    (("xmlrpc.server", "XMLRPCDocGenerator"), ("DocXMLRPCServer", "XMLRPCDocGenerator")),
    (("xmlrpc.server", "DocXMLRPCRequestHandler"), ("DocXMLRPCServer", "DocXMLRPCRequestHandler")),
    (("xmlrpc.server", "DocXMLRPCServer"), ("DocXMLRPCServer", "DocXMLRPCServer")),
    (("xmlrpc.server", "DocCGIXMLRPCRequestHandler"), ("DocXMLRPCServer", "DocCGIXMLRPCRequestHandler")),
    (("http.server", "SimpleHTTPRequestHandler"), ("SimpleHTTPServer", "SimpleHTTPRequestHandler")),
    (("http.server", "CGIHTTPRequestHandler"), ("CGIHTTPServer", "CGIHTTPRequestHandler")),
    (("_socket", "socket"), ("socket", "_socketobject")),
];

/// Python 2 built-in exceptions, which lived in the module `exceptions`.
const PY2_EXCEPTIONS: &[&str] = &[
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "BaseException",
    "BufferError",
    "BytesWarning",
    "DeprecationWarning",
    "EOFError",
    "EnvironmentError",
    "Exception",
    "FloatingPointError",
    "FutureWarning",
    "GeneratorExit",
    "IOError",
    "ImportError",
    "ImportWarning",
    "IndentationError",
    "IndexError",
    "KeyError",
    "KeyboardInterrupt",
    "LookupError",
    "MemoryError",
    "NameError",
    "NotImplementedError",
    "OSError",
    "OverflowError",
    "PendingDeprecationWarning",
    "ReferenceError",
    "RuntimeError",
    "RuntimeWarning",
    "StopIteration",
    "SyntaxError",
    "SyntaxWarning",
    "SystemError",
    "SystemExit",
    "TabError",
    "TypeError",
    "UnboundLocalError",
    "UnicodeDecodeError",
    "UnicodeEncodeError",
    "UnicodeError",
    "UnicodeTranslateError",
    "UnicodeWarning",
    "UserWarning",
    "ValueError",
    "Warning",
    "ZeroDivisionError",
];

/// Python 3 exceptions written as Python 2's `exceptions.OSError` / `ImportError`.
const PY3_OSERROR_EXCEPTIONS: &[&str] = &[
    "BrokenPipeError",
    "ChildProcessError",
    "ConnectionAbortedError",
    "ConnectionError",
    "ConnectionRefusedError",
    "ConnectionResetError",
    "FileExistsError",
    "FileNotFoundError",
    "InterruptedError",
    "IsADirectoryError",
    "NotADirectoryError",
    "PermissionError",
    "ProcessLookupError",
    "TimeoutError",
];

/// The Python 3 name of a global read from a pickle of protocol below 3.
pub(crate) fn load_name(module: String, name: String) -> (String, String) {
    let key = (module.as_str(), name.as_str());
    if let Some((_, to)) = NAMES.iter().chain(NAMES_LOAD_ONLY).find(|(from, _)| *from == key) {
        return (to.0.to_owned(), to.1.to_owned());
    }
    if module == "exceptions" && PY2_EXCEPTIONS.contains(&name.as_str()) {
        return ("builtins".to_owned(), name);
    }
    if let Some((_, to)) = IMPORTS.iter().chain(IMPORTS_LOAD_ONLY).find(|(from, _)| *from == module) {
        return ((*to).to_owned(), name);
    }
    (module, name)
}

/// The name to write for a global in a pickle of protocol below 3, such that
/// CPython's [`load_name`] mapping gives back `module.name`.
pub(crate) fn write_name<'a>(module: &'a str, name: &'a str) -> (&'a str, &'a str) {
    let key = (module, name);
    if let Some((from, _)) = NAMES.iter().find(|(_, to)| *to == key) {
        return *from;
    }
    if let Some((_, to)) = NAMES_WRITE_ONLY.iter().find(|(from, _)| *from == key) {
        return *to;
    }
    if module == "builtins" && PY2_EXCEPTIONS.contains(&name) {
        return ("exceptions", name);
    }
    if module == "builtins" && PY3_OSERROR_EXCEPTIONS.contains(&name) {
        return ("exceptions", "OSError");
    }
    if key == ("builtins", "ModuleNotFoundError") {
        return ("exceptions", "ImportError");
    }
    if let Some((from, _)) = IMPORTS.iter().find(|(_, to)| *to == module) {
        return (from, name);
    }
    if let Some((_, to)) = IMPORTS_WRITE_ONLY.iter().find(|(from, _)| *from == module) {
        return (to, name);
    }
    (module, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python2_builtins_load_as_python3() {
        assert_eq!(load_name("__builtin__".into(), "set".into()), ("builtins".into(), "set".into()));
        assert_eq!(load_name("copy_reg".into(), "_reconstructor".into()), ("copyreg".into(), "_reconstructor".into()));
        assert_eq!(load_name("__builtin__".into(), "xrange".into()), ("builtins".into(), "range".into()));
        assert_eq!(load_name("exceptions".into(), "KeyError".into()), ("builtins".into(), "KeyError".into()));
        assert_eq!(load_name("datetime".into(), "datetime".into()), ("datetime".into(), "datetime".into()));
    }

    #[test]
    fn written_names_load_back_to_the_same_name() {
        for (m, n) in [
            ("builtins", "set"),
            ("copyreg", "_reconstructor"),
            ("dbm", "open"),
            ("dbm.ndbm", "open"),
            ("builtins", "range"),
            ("builtins", "KeyError"),
            ("collections", "OrderedDict"),
            ("datetime", "datetime"),
            ("functools", "reduce"),
        ] {
            let (wm, wn) = write_name(m, n);
            assert_eq!(load_name(wm.into(), wn.into()), (m.to_owned(), n.to_owned()), "{m}.{n} written as {wm}.{wn}");
        }
    }
}
