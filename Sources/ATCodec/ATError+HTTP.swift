extension ATError {
    /// HTTPGET/HTTPPOST: the host name did not resolve (ST's middleware quotes `ERROR: host not found`).
    public static var httpHostNotFound: ATError { entry(86) }
    /// HTTPGET/HTTPPOST: the response passed the module's bound; what fitted was printed.
    public static var httpResponseTooLarge: ATError { entry(87) }
    /// HTTPGET/HTTPPOST: the server sent nothing for `ip_http_get_recv_timeout` milliseconds.
    public static var httpReceiveTimedOut: ATError { entry(88) }
    /// HTTPGET/HTTPPOST: the server's bytes are not an HTTP/1.x response, or it closed before the response ended.
    public static var httpBadResponse: ATError { entry(89) }
}
