//! gRPC health checks: the daemon checks the session is alive while it lasts.

use std::pin::Pin;

use bollard::health::health_check_response::ServingStatus;
use bollard::health::health_server;
use bollard::health::{
    HealthCheckRequest, HealthCheckResponse, HealthListRequest, HealthListResponse,
};
use futures_util::Stream;
use tonic::{Request, Response, Status};

/// Always serving: the session is healthy as long as it answers.
pub struct Health;

#[tonic::async_trait]
impl health_server::Health for Health {
    async fn check(
        &self,
        _request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        Ok(Response::new(HealthCheckResponse {
            status: ServingStatus::Serving.into(),
        }))
    }

    async fn list(
        &self,
        _request: Request<HealthListRequest>,
    ) -> Result<Response<HealthListResponse>, Status> {
        Ok(Response::new(HealthListResponse::default()))
    }

    type WatchStream =
        Pin<Box<dyn Stream<Item = Result<HealthCheckResponse, Status>> + Send + 'static>>;

    async fn watch(
        &self,
        _request: Request<HealthCheckRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        // The daemon polls with Check; a status that never changes has nothing to stream.
        Err(Status::unimplemented("watch: use Check"))
    }
}
