extension ATError {
    /// HTTPGET/HTTPPOST: the host name did not resolve (ST's middleware quotes `ERROR: host not found`).
    public static var httpHostNotFound: ATError { ATError(code: 86, text: "host not found") }
    /// HTTPGET/HTTPPOST: the response passed the module's bound; what fitted was printed.
    public static var httpResponseTooLarge: ATError { ATError(code: 87, text: "HTTP response too large") }
    /// HTTPGET/HTTPPOST: the server sent nothing for `ip_http_get_recv_timeout` milliseconds.
    public static var httpReceiveTimedOut: ATError { ATError(code: 88, text: "HTTP receive timed out") }
    /// HTTPGET/HTTPPOST: the server's bytes are not an HTTP/1.x response, or it closed before the response ended.
    public static var httpBadResponse: ATError { ATError(code: 89, text: "HTTP bad response") }
}
