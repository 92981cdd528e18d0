/**
 * The courses component: courses of video and PDF lessons, who may open
 * them (CoursesService.access), progress, signed media URLs, and the grant
 * the shop writes when a course is paid (CoursesService.grant).
 */
export { CoursesService, type Access, type CourseView, type CoursesDeps, type OwnsProduct, type Viewer } from './courses.service.js';
export { COURSE_ACCESS, type Course, type CourseAccess, type CourseFields, type Lesson } from './courses.repository.js';
export { courseErrors, lessonErrors, DURATION_MAX, SLUG_PATTERN, type LessonFields } from './course-fields.js';
export { MEDIA_LINK_MINUTES, mediaKey, signMedia, verifyMedia } from './media-token.js';
export { sniffMedia, type LessonKind, type LessonMime } from './media-type.js';
export { createCoursesController } from './courses.controller.js';
export { createCoursesRouter } from './courses.router.js';
