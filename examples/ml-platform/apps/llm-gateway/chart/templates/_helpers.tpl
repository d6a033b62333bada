{{/* The release's base name: the release name, with the chart name when it does not say it. */}}
{{- define "llm-gateway.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 53 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 53 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "llm-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "llm-gateway.labels" -}}
{{ include "llm-gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: ml-platform
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "llm-gateway.masterKeySecret" -}}
{{- .Values.masterKey.existingSecret | default (printf "%s-master-key" (include "llm-gateway.fullname" .)) -}}
{{- end -}}

{{- define "llm-gateway.postgresql" -}}
{{- printf "%s-postgresql" (include "llm-gateway.fullname" .) -}}
{{- end -}}

{{/* The Secret and key holding DATABASE_URL; fails when neither database is configured. */}}
{{- define "llm-gateway.databaseSecret" -}}
{{- if and .Values.postgresql.enabled .Values.externalDatabase.existingSecret -}}
{{- fail "set either postgresql.enabled or externalDatabase.existingSecret, not both" -}}
{{- else if .Values.postgresql.enabled -}}
{{- include "llm-gateway.postgresql" . -}}
{{- else -}}
{{- required "the gateway needs a database: set postgresql.enabled=true (evaluation) or externalDatabase.existingSecret (production)" .Values.externalDatabase.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "llm-gateway.databaseKey" -}}
{{- ternary "DATABASE_URL" .Values.externalDatabase.key .Values.postgresql.enabled -}}
{{- end -}}
