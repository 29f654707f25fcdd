//! The option setters shared by [`crate::Cors`] and [`crate::CrossOrigin`].

/// Adds one setter per Flask-Cors option to a type with an
/// `options: CorsOptions` field.
#[macro_export]
#[doc(hidden)]
macro_rules! builder_methods {
    ($ty:ty) => {
        impl $ty {
            /// Allowed origins: `"*"`, literals, regexes, `regex:` patterns or
            /// (default mode) `https://*.example.com` globs.
            /// [MDN](https://developer.mozilla.org/docs/Web/HTTP/Headers/Access-Control-Allow-Origin)
            ///
            /// ```
            #[doc = concat!("let _ = ext_cors::", stringify!($ty), "::new().origins([\"https://a.example\", \"https://b.example\"]);")]
            /// ```
            pub fn origins(mut self, origins: impl Into<$crate::OneOrMany>) -> Self {
                self.options.origins = Some(origins.into());
                self
            }

            /// Allowed methods.
            /// [MDN](https://developer.mozilla.org/docs/Web/HTTP/Headers/Access-Control-Allow-Methods)
            pub fn methods(mut self, methods: impl Into<$crate::OneOrMany>) -> Self {
                self.options.methods = Some(methods.into());
                self
            }

            /// Request headers a preflight may ask for (patterns allowed).
            /// [MDN](https://developer.mozilla.org/docs/Web/HTTP/Headers/Access-Control-Allow-Headers)
            pub fn allow_headers(mut self, headers: impl Into<$crate::OneOrMany>) -> Self {
                self.options.allow_headers = Some(headers.into());
                self
            }

            /// Response headers scripts may read.
            /// [MDN](https://developer.mozilla.org/docs/Web/HTTP/Headers/Access-Control-Expose-Headers)
            pub fn expose_headers(mut self, headers: impl Into<$crate::OneOrMany>) -> Self {
                self.options.expose_headers = Some(headers.into());
                self
            }

            /// Sends `Access-Control-Allow-Credentials: true`.
            /// [MDN](https://developer.mozilla.org/docs/Web/HTTP/Headers/Access-Control-Allow-Credentials)
            pub fn supports_credentials(mut self, yes: bool) -> Self {
                self.options.supports_credentials = Some(yes);
                self
            }

            /// How long a preflight may be cached: seconds or a `Duration`.
            /// [MDN](https://developer.mozilla.org/docs/Web/HTTP/Headers/Access-Control-Max-Age)
            pub fn max_age(mut self, max_age: impl Into<$crate::MaxAge>) -> Self {
                self.options.max_age = Some(max_age.into());
                self
            }

            /// Sends `*` instead of the request's origin when any origin is allowed.
            pub fn send_wildcard(mut self, yes: bool) -> Self {
                self.options.send_wildcard = Some(yes);
                self
            }

            /// Answers `OPTIONS` itself (200, empty) instead of routing it.
            pub fn automatic_options(mut self, yes: bool) -> Self {
                self.options.automatic_options = Some(yes);
                self
            }

            /// Adds `Vary: Origin` where the answer depends on the origin.
            /// [MDN](https://developer.mozilla.org/docs/Web/HTTP/Headers/Vary)
            pub fn vary_header(mut self, yes: bool) -> Self {
                self.options.vary_header = Some(yes);
                self
            }

            /// Adds CORS headers to error responses too.
            pub fn intercept_exceptions(mut self, yes: bool) -> Self {
                self.options.intercept_exceptions = Some(yes);
                self
            }

            /// Sends CORS headers to requests without `Origin`.
            pub fn always_send(mut self, yes: bool) -> Self {
                self.options.always_send = Some(yes);
                self
            }

            /// Answers Private Network Access requests with `true`.
            pub fn allow_private_network(mut self, yes: bool) -> Self {
                self.options.allow_private_network = Some(yes);
                self
            }

            /// Reproduces Flask-Cors 6.0.5 exactly instead of the safer default mode.
            pub fn flask_compatible(mut self, yes: bool) -> Self {
                self.options.flask_compatible = Some(yes);
                self
            }

            /// Answers refused preflights with this 4xx status instead of 200.
            pub fn preflight_rejection_status(mut self, status: u16) -> Self {
                self.options.preflight_rejection_status = Some(status);
                self
            }

            /// Default mode: allows credentials together with `origins = "*"`.
            pub fn allow_credentials_with_any_origin(mut self, yes: bool) -> Self {
                self.options.allow_credentials_with_any_origin = Some(yes);
                self
            }

            /// Answers CORS preflights before routing, as actix-cors does:
            /// faster, but handlers, scope middleware and later extensions'
            /// before-hooks never see them, and a path without routes gets
            /// 200 rather than 404. See the crate docs.
            pub fn preflight_before_routing(mut self, yes: bool) -> Self {
                self.options.preflight_before_routing = Some(yes);
                self
            }

            /// Path patterns that get the policy (without per-path options).
            pub fn resources(mut self, patterns: impl Into<$crate::OneOrMany>) -> Self {
                self.options.resources = Some(match patterns.into() {
                    $crate::OneOrMany::One(pattern) => $crate::Resources::One(pattern),
                    $crate::OneOrMany::Many(patterns) => $crate::Resources::Many(patterns),
                });
                self
            }
        }
    };
}
