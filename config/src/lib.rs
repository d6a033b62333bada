//! The declarative model of a syncd GitOps repo: raw file formats, validation, and resolution
//! into what the pipeline consumes.
